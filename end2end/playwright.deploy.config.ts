import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// The deployment suite: two release nodes on one PostgreSQL database behind nginx, which
// terminates TLS with a certificate made for the run (hence ignoreHTTPSErrors). Started by
// scripts/e2e-deploy.sh, which passes nginx's origin in SIGNEDIN_BASE_URL and the rest in
// SIGNEDIN_DEPLOY_*.
export default defineConfig({
  ...base,
  testDir: './deploy',
  globalSetup: undefined,
  reporter: [['list']],
  outputDir: 'test-results-deploy',
  use: { ...base.use, ignoreHTTPSErrors: true },
});
