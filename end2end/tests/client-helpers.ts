// Helpers for client.spec.ts: the browser client (clients/browser, built to dist/) runs in a
// test page served at the server's own origin, so its cookies are the real server's and every
// request is same-origin.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BrowserContext, Page, expect } from '@playwright/test';
import { PASSWORD } from './helpers';

export const BASE = process.env.SIGNEDIN_BASE_URL ?? 'http://127.0.0.1:3000';
export const ACCESS_COOKIE = 'signedin_access';
export const REFRESH_COOKIE = 'signedin_refresh';
export const REFRESH_PATH = '/auth/session/refresh';

const CLIENT_JS = path.join(__dirname, '..', '..', 'clients', 'browser', 'dist', 'index.js');

// The page exposes the client as `window.client` and records every onSignedOut call.
const TEST_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>signedin client test</title></head>
<body><p>@signedin/browser test page</p>
<script type="module">
  const params = new URLSearchParams(location.search);
  const options = JSON.parse(params.get('options') || '{}');
  const { createClient } = await import('./client.js');
  window.__signedOut = [];
  window.client = createClient({ ...options, onSignedOut: (reason) => window.__signedOut.push(reason) });
  window.__ready = true;
</script></body></html>`;

/** Serves the test page and the built client at `${BASE}/__client_test/` in this context. */
export async function serveClient(context: BrowserContext): Promise<void> {
  if (!fs.existsSync(CLIENT_JS)) {
    throw new Error(`${CLIENT_JS} is missing: build the client first (cd clients/browser && npm ci && npm run build)`);
  }
  const js = fs.readFileSync(CLIENT_JS, 'utf8');
  await context.route(
    (url) => url.origin === new URL(BASE).origin && url.pathname.startsWith('/__client_test/'),
    (route) => {
      const { pathname } = new URL(route.request().url());
      if (pathname === '/__client_test/index.html') {
        return route.fulfill({ contentType: 'text/html; charset=utf-8', body: TEST_PAGE });
      }
      if (pathname === '/__client_test/client.js') {
        return route.fulfill({ contentType: 'text/javascript; charset=utf-8', body: js });
      }
      return route.fulfill({ status: 404, body: 'not found' });
    },
  );
}

/** A new tab in `context` with a client created with `options`. */
export async function openClient(context: BrowserContext, options: Record<string, unknown> = {}): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${BASE}/__client_test/index.html?options=${encodeURIComponent(JSON.stringify(options))}`);
  await page.waitForFunction(() => (window as any).__ready === true);
  return page;
}

export interface CallError {
  name: string;
  status: number;
  type: string;
  code: string;
  title: string;
  detail: string;
  message: string;
}

/** Calls `client[method](...args)` in the page; a thrown error comes back as data. */
export async function call<T = any>(page: Page, method: string, ...args: unknown[]): Promise<{ value?: T; error?: CallError }> {
  return page.evaluate(
    async ([method, args]) => {
      try {
        return { value: await (window as any).client[method](...args) };
      } catch (e: any) {
        return {
          error: {
            name: e?.name,
            status: e?.status,
            type: e?.type,
            code: e?.code,
            title: e?.title,
            detail: e?.detail,
            message: String(e?.message ?? e),
          },
        };
      }
    },
    [method, args] as const,
  );
}

/** Calls and expects success. */
export async function ok<T = any>(page: Page, method: string, ...args: unknown[]): Promise<T> {
  const result = await call<T>(page, method, ...args);
  expect(result.error, `${method} failed: ${JSON.stringify(result.error)}`).toBeUndefined();
  return result.value as T;
}

/** `client.fetch(path)` in the page, at `at` (ms since the epoch) if given. */
export async function clientFetch(page: Page, path: string, at?: number): Promise<{ status: number; body: any }> {
  return page.evaluate(
    async ([path, at]) => {
      if (at) await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
      const response = await (window as any).client.fetch(path);
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: response.status as number, body };
    },
    [path, at ?? 0] as const,
  );
}

export async function signedOutReasons(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as any).__signedOut as string[]);
}

/** What page scripts could read or have stored: all of it must be empty. */
export async function readableState(page: Page) {
  return page.evaluate(async () => ({
    localStorage: localStorage.length,
    sessionStorage: sessionStorage.length,
    indexedDB: (await indexedDB.databases()).length,
    cookie: document.cookie,
  }));
}

export const NOTHING_READABLE = { localStorage: 0, sessionStorage: 0, indexedDB: 0, cookie: '' };

/** An account through the JSON API (no session, no cookies). */
export async function signUpApi(email: string, password = PASSWORD): Promise<void> {
  const response = await fetch(`${BASE}/auth/signup`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  expect(response.status, await response.text()).toBe(201);
}

export async function cookieValue(context: BrowserContext, name: string): Promise<string | undefined> {
  return (await context.cookies(BASE)).find((c) => c.name === name)?.value;
}

/** Expires the access cookie, as its Max-Age running out would: the refresh cookie stays. */
export async function expireAccessCookie(context: BrowserContext): Promise<void> {
  await context.clearCookies({ name: ACCESS_COOKIE });
  expect(await cookieValue(context, ACCESS_COOKIE)).toBeUndefined();
  expect(await cookieValue(context, REFRESH_COOKIE)).toBeTruthy();
}

/** Counts requests to a path made by every page of the context (test-side requests are not). */
export function countRequests(context: BrowserContext, pathname: string, method = 'POST') {
  const seen: { at: number; page: Page | null }[] = [];
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname !== pathname || request.method() !== method) return;
    let page: Page | null = null;
    try {
      page = request.frame().page();
    } catch {
      // not from a page
    }
    seen.push({ at: Date.now(), page });
  });
  const statuses: number[] = [];
  context.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname === pathname && response.request().method() === method) statuses.push(response.status());
  });
  return {
    get count() {
      return seen.length;
    },
    /** The tab each request came from. */
    get pages() {
      return seen.map((s) => s.page);
    },
    statuses,
  };
}

/**
 * A refresh made outside the browser with a given refresh cookie, as another tab or the
 * devices page of the same browser would: returns the renewed cookies.
 */
export async function refreshOutside(
  refreshToken: string,
  userAgent: string,
): Promise<{ access: string; refresh: string }> {
  const response = await fetch(`${BASE}${REFRESH_PATH}`, {
    method: 'POST',
    headers: { Cookie: `${REFRESH_COOKIE}=${refreshToken}`, Origin: new URL(BASE).origin, 'User-Agent': userAgent },
  });
  expect(response.status, await response.clone().text()).toBe(200);
  const cookies = new Map<string, string>();
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  const access = cookies.get(ACCESS_COOKIE);
  const refresh = cookies.get(REFRESH_COOKIE);
  expect(access && refresh, 'the refresh sets both cookies').toBeTruthy();
  return { access: access!, refresh: refresh! };
}

export function asCookies(tokens: { access: string; refresh: string }) {
  return [
    { name: ACCESS_COOKIE, value: tokens.access, url: BASE, httpOnly: true, sameSite: 'Lax' as const },
    { name: REFRESH_COOKIE, value: tokens.refresh, url: BASE, httpOnly: true, sameSite: 'Lax' as const },
  ];
}

/** The kinds of the account's security events, newest first, read through the client. */
export async function eventKinds(page: Page): Promise<string[]> {
  const { status, body } = await clientFetch(page, '/me/security/events?limit=100');
  expect(status).toBe(200);
  return (body.events as { kind: string }[]).map((e) => e.kind);
}
