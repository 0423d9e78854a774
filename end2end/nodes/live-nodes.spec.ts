import { test, expect } from '@playwright/test';
import { IPHONE_SAFARI, MAC_CHROME, PASSWORD, device, hydrated, sessionRows, uniqueEmail } from '../tests/helpers';

// Two devices of one account, each on its own node of one PostgreSQL database: what happens
// through node B must reach the page served by node A, through the database alone.

function node(name: 'A' | 'B'): string {
  const url = process.env[`SIGNEDIN_NODE_${name}`];
  if (!url) throw new Error(`SIGNEDIN_NODE_${name} is not set: run scripts/e2e-nodes.sh`);
  return url;
}

test('a sign-in and a sign-out through node B reach the page node A serves within two seconds', async ({ browser }) => {
  const [a, b] = [node('A'), node('B')];
  const email = uniqueEmail('two-nodes');
  const mac = await device(browser, MAC_CHROME);
  const iphone = await device(browser, IPHONE_SAFARI);

  const opened = mac.page.waitForResponse((r) => r.url().endsWith('/me/sessions/events') && r.status() === 200);
  await mac.page.goto(`${a}/signup`);
  await hydrated(mac.page);
  await mac.page.getByLabel('Email').fill(email);
  await mac.page.getByLabel('Password').fill(PASSWORD);
  await mac.page.getByRole('button', { name: 'Create account' }).click();
  await mac.page.waitForURL(`${a}/account/devices`);
  await hydrated(mac.page);
  await opened;
  const rows = sessionRows(mac.page);
  await expect(rows).toHaveCount(1);
  await mac.page.evaluate(() => ((window as any).__noReload = true));

  // Signed in through node B: node A's page grows a row, with no reload.
  await iphone.page.goto(`${b}/login`);
  await hydrated(iphone.page);
  await iphone.page.getByLabel('Email').fill(email);
  await iphone.page.getByLabel('Password').fill(PASSWORD);
  await iphone.page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(rows).toHaveCount(2, { timeout: 2_000 });
  await expect(rows.nth(1)).toContainText('Safari on iPhone');
  expect(await mac.page.evaluate(() => (window as any).__noReload)).toBe(true);

  // Node B's page signs node A's device out: A's tab says so and leaves for the sign-in page.
  await iphone.page.waitForURL(`${b}/account/devices`);
  await hydrated(iphone.page);
  const started = Date.now();
  await iphone.page.getByRole('button', { name: 'Sign out Chrome on macOS' }).click();
  await expect(mac.page.getByRole('alert').filter({ hasText: 'You were signed out' })).toBeVisible({ timeout: 2_000 });
  await mac.page.waitForURL(/\/login/, { timeout: 2_000 });
  expect(Date.now() - started).toBeLessThan(3_000);

  for (const d of [mac, iphone]) await d.context.close();
});
