import { test, expect } from '@playwright/test';
import { hydrated, signIn, signUp, uniqueEmail } from './helpers';

test('the start page is rendered on the server: what signedin does, and the way in', async ({ page }) => {
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  const html = await response!.text();
  expect(html).toContain("Where you're signed in");
  await expect(page.getByRole('link', { name: 'Sign in' }).first()).toBeVisible();
  await expect(page.getByRole('main').getByRole('link', { name: 'Create an account' })).toBeVisible();
});

test('an island hydrates and a click calls a server function and shows its answer', async ({ page }) => {
  const response = await page.goto('/login');
  expect(await response!.text()).toContain('data-hydrated="false"');
  await hydrated(page);
  await page.getByLabel('Email').fill('nobody-here@example.com');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText('The email or password is incorrect.');
});

test('signed in, the start page summarises the account and offers no sign-up', async ({ browser }) => {
  const email = uniqueEmail('summary');
  const windows = await browser.newContext({
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
    extraHTTPHeaders: { 'X-Forwarded-For': '81.2.69.142' },
  });
  const mac = await browser.newContext();
  await signUp(await mac.newPage(), email);
  await signIn(await windows.newPage(), email);
  const page = mac.pages()[0];
  await page.goto('/');
  const summary = page.getByRole('region', { name: 'Your account' });
  await expect(summary).toContainText('2 devices signed in');
  await expect(summary).toContainText('Last new sign-in: Firefox on Windows, London, United Kingdom, now');
  await expect(summary.getByRole('link', { name: 'See your devices' })).toHaveAttribute('href', '/account/devices');
  await expect(page.getByRole('link', { name: /Create/ })).toHaveCount(0);
  await expect(page.getByText('Server status')).toHaveCount(0);
  await windows.close();
  await mac.close();
});

test('every page carries a content security policy that lets the wasm run', async ({ page }) => {
  const response = await page.goto('/login');
  const csp = response!.headers()['content-security-policy'];
  expect(csp).toContain("'wasm-unsafe-eval'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9_-]+'/);
  expect(response!.headers()['x-content-type-options']).toBe('nosniff');
  await hydrated(page);
});
