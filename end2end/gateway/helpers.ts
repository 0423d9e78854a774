import { APIRequestContext, BrowserContext, Page, expect } from '@playwright/test';
import { PASSWORD, hydrated } from '../tests/helpers';

export { PASSWORD, hydrated };

/** An address scripts/e2e-gateway.sh passes in; the suite cannot run without them. */
export function url(name: 'NGINX' | 'CADDY' | 'CADDY_FULL' | 'APP' | 'SIGNEDIN'): string {
  const value = process.env[`SIGNEDIN_GATEWAY_${name}`];
  if (!value) throw new Error(`SIGNEDIN_GATEWAY_${name} is not set: run scripts/e2e-gateway.sh`);
  return value;
}

/** The access-token lifetime the server was started with (seconds). */
export const ACCESS_TTL = Number(process.env.SIGNEDIN_GATEWAY_ACCESS_TTL ?? '5');

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A new account through the JSON API (no browser, no cookies): its user id. */
export async function createAccount(request: APIRequestContext, email: string): Promise<string> {
  const response = await request.post(`${url('NGINX')}/auth/signup`, { data: { email, password: PASSWORD } });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()).user_id;
}

/** Signs in with the form of the sign-in page the browser is on. */
export async function submitSignIn(page: Page, email: string): Promise<void> {
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Signs in on `origin`'s sign-in page and waits for the devices page. */
export async function signInAt(page: Page, origin: string, email: string): Promise<void> {
  await page.goto(`${origin}/login`);
  await submitSignIn(page, email);
  await page.waitForURL(`${origin}/account/devices`);
}

/** What the protected page says it received. */
export async function identityShown(page: Page): Promise<{ userId: string; sessionId: string; email: string }> {
  await expect(page.getByRole('heading', { name: 'Protected app' })).toBeVisible();
  const cell = (name: string) => page.locator(`td[data-header="${name}"]`).innerText();
  return {
    userId: await cell('x-auth-user-id'),
    sessionId: await cell('x-auth-session-id'),
    email: await cell('x-auth-email'),
  };
}

/** The value of one of signedin's cookies in a browser context (any prefix). */
export async function cookieValue(context: BrowserContext, name: 'access' | 'refresh'): Promise<string | undefined> {
  const cookies = await context.cookies();
  return cookies.find((c) => c.name === `signedin_${name}` || c.name === `__Host-signedin_${name}`)?.value;
}

/** The current session's id (`ses_…`) as the API shows it, asked with this context's cookies. */
export async function currentSessionId(context: BrowserContext, origin: string): Promise<string> {
  const response = await context.request.get(`${origin}/me/sessions`);
  expect(response.status(), await response.text()).toBe(200);
  const { sessions } = await response.json();
  const current = sessions.find((s: { is_current: boolean }) => s.is_current);
  expect(current, 'the API names a current session').toBeTruthy();
  return current.id;
}

/** The claims of a JWT, unverified (the test only reads them). */
export function claimsOf(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

export function headerOf(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'));
}
