import { execFileSync } from 'node:child_process';
import { Browser, BrowserContext, Page, expect } from '@playwright/test';

export const PASSWORD = 'correct horse battery staple';

export const MAC_CHROME =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
export const IPHONE_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
export const WINDOWS_FIREFOX =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

/** A fresh account per test: tests never share users. */
export function uniqueEmail(tag: string): string {
  return `${tag}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/**
 * Clicks before hydration are lost. Each interactive island marks itself once it is live.
 * For pages with islands only: it waits until there is at least one and every one is live,
 * so a page whose islands are missing fails here instead of passing at once. (A page without
 * islands is plain HTML, ready once loaded: do not call this on it.)
 */
export async function hydrated(page: Page): Promise<void> {
  await page.waitForLoadState('load');
  await page.waitForFunction(() => {
    const islands = Array.from(document.querySelectorAll('[data-hydrated]'));
    return islands.length > 0 && islands.every((island) => island.getAttribute('data-hydrated') === 'true');
  });
}

export async function signUp(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/account/devices');
  await expect(page.getByRole('heading', { name: "Where you're signed in" })).toBeVisible();
}

export async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL('**/account/devices');
  await expect(page.getByRole('heading', { name: "Where you're signed in" })).toBeVisible();
}

/** A browser context that presents itself as another device. */
export async function device(browser: Browser, userAgent: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ userAgent });
  const page = await context.newPage();
  return { context, page };
}

export function sessionRows(page: Page) {
  return page.getByRole('list', { name: 'Signed-in devices' }).getByRole('listitem');
}

/**
 * Makes the account's last password entry an hour old on every session, as an hour passing
 * would: the step-up prompt can then be tested with the default 15-minute window and no
 * waiting. Writes the end-to-end server's SQLite file (WAL, so the server sees it at once).
 */
export function agePasswordEntry(email: string): void {
  const db = process.env.SIGNEDIN_E2E_DB ?? '../target/e2e/signedin.db';
  if (!/^[a-z0-9.+@-]+$/.test(email)) throw new Error(`not a test email: ${email}`);
  execFileSync('sqlite3', [
    '-cmd',
    '.timeout 5000',
    db,
    `UPDATE sessions SET reauthenticated_at = reauthenticated_at - 3600000000 ` +
      `WHERE user_id IN (SELECT id FROM users WHERE email_normalized = '${email}')`,
  ]);
}
