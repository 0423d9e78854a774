import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// The gateway suite: signedin behind Debian's nginx and Caddy, in front of the example FastAPI
// app, all started by scripts/e2e-gateway.sh, which passes their addresses in SIGNEDIN_GATEWAY_*.
export default defineConfig({
  ...base,
  testDir: './gateway',
  globalSetup: undefined,
  // Several tests wait out the 5-second access-token lifetime, some twice.
  timeout: 90_000,
  reporter: [['list']],
  // Under target/ (ignored by git), beside the suite's other throwaway state.
  outputDir: '../target/gateway-test-results',
  use: {
    ...base.use,
    baseURL: process.env.SIGNEDIN_GATEWAY_NGINX,
  },
});
