import { test, expect } from '@playwright/test';
import { MAC_CHROME, device, uniqueEmail } from '../tests/helpers';
import { ACCESS_TTL, cookieValue, createAccount, identityShown, sleep, submitSignIn, url } from './helpers';

// Caddy's forward_auth (GET /auth/forward?redirect=1: Caddy hands any non-2xx answer to the
// browser) and its expanded form, which also passes renewed cookies on. Both Caddy sites share
// one host with nginx (127.0.0.1): cookies ignore ports, so each test has its own context.

for (const [form, name] of [
  ['forward_auth', 'CADDY'],
  ['expanded form', 'CADDY_FULL'],
] as const) {
  test(`Caddy ${form}: sign in on the way, come back, and the app sees who it is`, async ({ browser, request }) => {
    const caddy = url(name);
    const email = uniqueEmail('gw-caddy');
    const userId = await createAccount(request, email);
    const { context, page } = await device(browser, MAC_CHROME);

    const deepLink = '/app/reports?year=2025&q=a%26b';
    const first = await page.goto(`${caddy}${deepLink}`);
    expect(first?.request().redirectedFrom()?.url()).toBe(`${caddy}${deepLink}`);
    const login = new URL(page.url());
    expect(login.origin).toBe(caddy);
    expect(login.pathname).toBe('/login');
    expect(login.searchParams.get('next')).toBe(deepLink);

    await submitSignIn(page, email);
    // Wherever the sign-in leads, it must be exactly the deep link (the query unchanged).
    await page.waitForURL((u) => u.pathname !== '/login');
    expect(page.url()).toBe(`${caddy}${deepLink}`);
    await expect(page.locator('#target')).toHaveText(deepLink);
    const shown = await identityShown(page);
    expect(shown.email).toBe(email);
    expect(shown.userId).toBe(userId);
    expect(shown.sessionId).toMatch(/^ses_[0-9a-f]{32}$/);

    // Forged identity headers are replaced by signedin's answer.
    await context.setExtraHTTPHeaders({
      'X-Auth-User-Id': 'f'.repeat(32),
      'X-Auth-Session-Id': `ses_${'0'.repeat(32)}`,
      'X-Auth-Email': 'mallory@example.com',
    });
    await page.goto(`${caddy}${deepLink}`);
    expect(await identityShown(page)).toEqual(shown);
    await context.setExtraHTTPHeaders({});

    // A client cannot pick the method the cross-site rule sees: Caddy sends X-Forwarded-Method,
    // and the recipe removes any X-Original-Method a client sent (signedin reads that first).
    const forged = await context.request.post(`${caddy}/app/transfer`, {
      headers: { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example', 'X-Original-Method': 'GET' },
      form: { to: 'mallory' },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    await context.close();
  });
}

test('Caddy expanded form: past the access lifetime, the renewed cookies reach the browser', async ({ browser, request }) => {
  const caddy = url('CADDY_FULL');
  const email = uniqueEmail('gw-caddy-renew');
  await createAccount(request, email);
  const { context, page } = await device(browser, MAC_CHROME);
  await page.goto(`${caddy}/login`);
  await submitSignIn(page, email);
  await page.waitForURL(`${caddy}/account/devices`);
  await page.goto(`${caddy}/app/one`);
  const session = (await identityShown(page)).sessionId;

  // The second renewal rides on a page the app answers 404: the cookies must get through too.
  for (const [step, status] of [['two', 200], ['missing/three', 404]] as const) {
    const before = await cookieValue(context, 'refresh');
    await sleep(ACCESS_TTL * 1000 + 1000);
    expect(await cookieValue(context, 'access')).toBeUndefined();
    const response = await page.goto(`${caddy}/app/${step}`);
    expect(response!.status()).toBe(status);
    expect((await identityShown(page)).sessionId).toBe(session);
    const setCookies = (await response!.headersArray()).filter((h) => h.name.toLowerCase() === 'set-cookie');
    expect(setCookies.map((h) => h.value.split('=')[0]).sort()).toEqual(['signedin_access', 'signedin_refresh']);
    expect(await cookieValue(context, 'access')).toBeTruthy();
    expect(await cookieValue(context, 'refresh')).not.toBe(before);
  }
  await context.close();
});
