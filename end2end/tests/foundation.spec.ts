import { test, expect } from '@playwright/test';
import { hydrated } from './helpers';

test('the start page is rendered on the server and its island hydrated', async ({ page }) => {
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  const html = await response!.text();
  expect(html).toContain("Where you're signed in");
  expect(html).toContain('data-hydrated="false"');
  await hydrated(page);
});

test('a click calls a server function and shows its answer', async ({ page }) => {
  await page.goto('/');
  await hydrated(page);
  await page.getByRole('button', { name: 'Check the server' }).click();
  await expect(page.getByRole('status')).toHaveText(/Server is up · (sqlite|postgres) database answered/);
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
