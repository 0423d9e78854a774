import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// The two-node suite: two release servers on one PostgreSQL database, started by
// scripts/e2e-nodes.sh, which passes their addresses in SIGNEDIN_NODE_A and SIGNEDIN_NODE_B.
export default defineConfig({
  ...base,
  testDir: './nodes',
  globalSetup: undefined,
  reporter: [['list']],
  outputDir: 'test-results-nodes',
});
