import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { APIRequestContext, Browser, BrowserContext, Page, expect } from '@playwright/test';
import { PASSWORD, hydrated } from '../tests/helpers';

export { PASSWORD, hydrated };

/** DB-IP places the server resolves (data/geo). */
export const HANOVER = '193.99.144.80';
export const LONDON = '81.2.69.142';

export const LINUX_CHROME_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

/** What scripts/e2e-alerts.sh passes in; the suite cannot run without it. */
export function setting(name: 'BASE' | 'MAIL_DIR' | 'HOOKS' | 'PYTHON' | 'SECRET' | 'DB'): string {
  const value = process.env[`SIGNEDIN_ALERTS_${name}`];
  if (!value) throw new Error(`SIGNEDIN_ALERTS_${name} is not set: run scripts/e2e-alerts.sh`);
  return value;
}

export interface Mail {
  n: number;
  to: string;
  subject: string;
  alert: string;
  content_type: string;
  text: string;
  html: string;
  text_links: { url: string; kind: 'not-me' | 'was-me'; token: string }[];
  html_links: { url: string; kind: 'not-me' | 'was-me'; token: string }[];
}

const run = promisify(execFile);
const MAILBOX = path.resolve(__dirname, '../../scripts/alerts/mailbox.py');

/**
 * The mail sink's messages to `to` (parsed by scripts/alerts/mailbox.py), once at least `count`
 * of them (with that X-Signedin-Alert, if given) have arrived: a generous wait for "eventually".
 */
export async function mailsTo(to: string, count = 1, alert?: string, waitSecs = 60): Promise<Mail[]> {
  const args = [MAILBOX, '--dir', setting('MAIL_DIR'), '--to', to, '--count', String(count), '--wait', String(waitSecs)];
  if (alert) args.push('--alert', alert);
  try {
    const { stdout } = await run(setting('PYTHON'), args, { maxBuffer: 32 * 1024 * 1024 });
    return JSON.parse(stdout);
  } catch (error: any) {
    throw new Error(`no ${count} ${alert ?? ''} email(s) to ${to}: ${error.stderr ?? error}`);
  }
}

/** The one alert link of a kind in a mail's text part. */
export function link(mail: Mail, kind: 'not-me' | 'was-me'): string {
  const links = mail.text_links.filter((l) => l.kind === kind);
  expect(links, `one ${kind} link in "${mail.subject}"`).toHaveLength(1);
  return links[0].url;
}

export interface Delivery {
  webhook_id: string;
  type: string;
  timestamp: string;
  data: Record<string, any>;
  path: string;
  delivered: boolean;
  attempt_timestamp: string;
}

/** Every verified request the webhook receiver has recorded so far. */
export function deliveries(): Delivery[] {
  const file = setting('HOOKS');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));
}

/** Waits until a delivered (2xx) webhook matches, and returns it. */
export async function delivery(what: string, match: (d: Delivery) => boolean): Promise<Delivery> {
  let found: Delivery | undefined;
  await expect
    .poll(() => (found = deliveries().find((d) => d.delivered && match(d))), { message: what, timeout: 60_000 })
    .toBeTruthy();
  return found!;
}

/** A browser context signed in as a device somewhere else (the trusted proxy's header). */
export async function deviceAt(
  browser: Browser,
  userAgent: string,
  ip?: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ userAgent, extraHTTPHeaders: ip ? { 'X-Forwarded-For': ip } : {} });
  return { context, page: await context.newPage() };
}

export async function signInHere(page: Page, email: string): Promise<void> {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL('**/account/devices');
}

/** The current session's id (`ses_…`), asked with this context's cookies. */
export async function currentSessionId(context: BrowserContext): Promise<string> {
  const response = await context.request.get('/me/sessions');
  expect(response.status(), await response.text()).toBe(200);
  const { sessions } = await response.json();
  return sessions.find((s: { is_current: boolean }) => s.is_current).id;
}

/** Resolves once the devices page's push stream is open; call before the navigation. */
export function streamOpened(page: Page) {
  return page.waitForResponse((r) => r.url().endsWith('/me/sessions/events') && r.status() === 200);
}

/** The date and device line of a new sign-in email's text part. */
export const DEVICE_LINE = (device: string, place: string, ip: string) =>
  new RegExp(`${escape(device)} · ${escape(place)} · \\d{1,2} [A-Z][a-z]{2} \\d{4}, \\d{2}:\\d{2} UTC · IP ${escape(ip)}`);

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** An unusable link's page: a clear explanation, never a server error. */
export async function expectUnusable(page: Page, status: number, why: RegExp, options: { soft?: boolean } = {}): Promise<void> {
  const check = options.soft ? expect.soft : expect;
  check(status, 'an unusable link is never a server error').toBeLessThan(500);
  await check(page.getByRole('heading', { level: 1 }), `the page of ${page.url()}`).toHaveText("This link can't be used");
  await check(page.locator('body'), `the page of ${page.url()}`).toContainText(why);
}

/**
 * A page's button, posted again by hand (a plain form: `token` and nothing else) once its link
 * is unusable: the answer, after the redirect back to the link's page, is that clear page.
 */
export async function expectPostUnusable(
  request: APIRequestContext,
  action: string,
  token: string,
  why: RegExp,
): Promise<void> {
  // As a browser without JavaScript posts the form: it asks for HTML, and is sent back to the page.
  const response = await request.post(action, { form: { token }, headers: { Accept: 'text/html,application/xhtml+xml' } });
  expect(response.status(), 'a post with an unusable link is never a server error').toBeLessThan(500);
  const html = (await response.text()).replace(/&#x27;|&#39;|&apos;/g, "'");
  expect(html).toContain("This link can't be used");
  expect(html).toMatch(why);
}

/**
 * Makes every unused alert link of the account a day old, as 24 hours passing would. Writes
 * the journey server's SQLite file (WAL: the server sees it at once).
 */
export function expireAlertLinks(email: string): void {
  if (!/^[a-z0-9.+@-]+$/.test(email)) throw new Error(`not a test email: ${email}`);
  execFileSync('sqlite3', [
    '-cmd',
    '.timeout 5000',
    setting('DB'),
    `UPDATE alert_links SET expires_at = created_at WHERE used_for IS NULL AND user_id IN ` +
      `(SELECT id FROM users WHERE email_normalized = '${email}')`,
  ]);
}
