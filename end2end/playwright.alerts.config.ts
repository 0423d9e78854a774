import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// The alert journey: a release server with a real SMTP sink (Debian's aiosmtpd) and a Standard
// Webhooks receiver, all started by scripts/e2e-alerts.sh, which passes their addresses and
// files in SIGNEDIN_ALERTS_*.
export default defineConfig({
  ...base,
  testDir: './alerts',
  globalSetup: undefined,
  // Each test waits for emails and webhooks to arrive (generous waits, never speed checks).
  timeout: 120_000,
  reporter: [['list']],
  // Under target/ (ignored by git), beside the suite's other throwaway state.
  outputDir: '../target/alerts-test-results',
  use: {
    ...base.use,
    baseURL: process.env.SIGNEDIN_ALERTS_BASE,
  },
});
