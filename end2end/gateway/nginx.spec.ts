import { test, expect } from '@playwright/test';
import { IPHONE_SAFARI, MAC_CHROME, device, sessionRows, uniqueEmail } from '../tests/helpers';
import {
  ACCESS_TTL,
  claimsOf,
  cookieValue,
  createAccount,
  currentSessionId,
  hydrated,
  identityShown,
  signInAt,
  sleep,
  submitSignIn,
  url,
} from './helpers';

// The nginx recipe of docs/INTEGRATION.md (auth_request to /auth/forward), written out by
// scripts/e2e-gateway.sh: signedin at /, the FastAPI app at /app/.

test('signed out, a deep link goes to sign in and comes back to exactly that URL', async ({ browser, request }) => {
  const nginx = url('NGINX');
  const email = uniqueEmail('gw-deep-link');
  await createAccount(request, email);
  const { context, page } = await device(browser, MAC_CHROME);

  const deepLink = '/app/some/page?x=1&y=two%20words';
  const first = await page.goto(`${nginx}${deepLink}`);
  // nginx answered the 401 with a redirect, which the browser followed to the sign-in page.
  expect(first?.request().redirectedFrom()?.url()).toBe(`${nginx}${deepLink}`);
  const login = new URL(page.url());
  expect(login.origin).toBe(nginx);
  expect(login.pathname).toBe('/login');
  expect(login.searchParams.get('next')).toBe(deepLink);

  await submitSignIn(page, email);
  // Wherever the sign-in leads, it must be exactly the deep link (the query unchanged).
  await page.waitForURL((u) => u.pathname !== '/login');
  expect(page.url()).toBe(`${nginx}${deepLink}`);
  await expect(page.locator('#target')).toHaveText(deepLink);
  expect((await identityShown(page)).email).toBe(email);
  await context.close();
});

test('signed in, the app receives the identity headers, and a client cannot forge them', async ({ browser, request }) => {
  const nginx = url('NGINX');
  const email = uniqueEmail('gw-identity');
  const userId = await createAccount(request, email);
  const { context, page } = await device(browser, MAC_CHROME);
  await signInAt(page, nginx, email);

  await page.goto(`${nginx}/app/whoami`);
  const shown = await identityShown(page);
  expect(shown.email).toBe(email);
  expect(shown.userId).toBe(userId);
  expect(shown.userId).toMatch(/^[0-9a-f]{32}$/);
  expect(shown.sessionId).toMatch(/^ses_[0-9a-f]{32}$/);
  // The same id the devices page's API shows for this browser's session.
  expect(shown.sessionId).toBe(await currentSessionId(context, nginx));

  // A client sending the headers itself: nginx replaces them with signedin's answer.
  await context.setExtraHTTPHeaders({
    'X-Auth-User-Id': 'f'.repeat(32),
    'X-Auth-Session-Id': `ses_${'0'.repeat(32)}`,
    'X-Auth-Email': 'mallory@example.com',
  });
  await page.goto(`${nginx}/app/whoami?forged=1`);
  expect(await identityShown(page)).toEqual(shown);
  await context.close();
});

test('a session signed out from another device is refused at its very next request', async ({ browser, request }) => {
  const nginx = url('NGINX');
  const email = uniqueEmail('gw-revoke');
  await createAccount(request, email);
  const mac = await device(browser, MAC_CHROME);
  const iphone = await device(browser, IPHONE_SAFARI);
  await signInAt(mac.page, nginx, email);
  await mac.page.goto(`${nginx}/app/start`); // off the devices page, which renews by itself
  await signInAt(iphone.page, nginx, email);

  // Both access cookies expire. The iPhone's devices page renews its own on a reload; the
  // Mac's next request renews its through forward-auth, so the token the Mac then holds is
  // good for a full lifetime from here.
  await sleep(ACCESS_TTL * 1000 + 1000);
  await iphone.page.reload();
  await hydrated(iphone.page);
  await expect(sessionRows(iphone.page)).toHaveCount(2);
  await mac.page.goto(`${nginx}/app/before`);
  expect((await identityShown(mac.page)).email).toBe(email);
  const macToken = await cookieValue(mac.context, 'access');
  expect(macToken, 'forward-auth renewed the Mac\'s access cookie').toBeTruthy();
  const { exp } = claimsOf(macToken!);

  // The iPhone signs the Mac out on the devices page.
  await iphone.page.getByRole('button', { name: 'Sign out Chrome on macOS' }).click();
  await expect(sessionRows(iphone.page)).toHaveCount(1);

  // The Mac's next request is refused, although its access token has not expired.
  await mac.page.goto(`${nginx}/app/after`);
  expect(Date.now() / 1000, 'the Mac\'s access token was still unexpired').toBeLessThan(exp);
  expect(new URL(mac.page.url()).pathname).toBe('/login');
  expect(new URL(mac.page.url()).searchParams.get('next')).toBe('/app/after');

  // The iPhone, untouched, still gets through.
  await iphone.page.goto(`${nginx}/app/still-here`);
  expect((await identityShown(iphone.page)).email).toBe(email);
  for (const d of [mac, iphone]) await d.context.close();
});

test('past the access lifetime the next request still works: forward-auth renewed the cookies', async ({ browser, request }) => {
  const nginx = url('NGINX');
  const email = uniqueEmail('gw-renew');
  await createAccount(request, email);
  const { context, page } = await device(browser, MAC_CHROME);
  await signInAt(page, nginx, email);

  await page.goto(`${nginx}/app/one`);
  const session = (await identityShown(page)).sessionId;

  // The second renewal rides on a page the app answers 404: the cookies must get through too.
  for (const [step, status] of [['two', 200], ['missing/three', 404]] as const) {
    const before = { access: await cookieValue(context, 'access'), refresh: await cookieValue(context, 'refresh') };
    await sleep(ACCESS_TTL * 1000 + 1000);
    expect(await cookieValue(context, 'access'), 'the access cookie lives as long as its token').toBeUndefined();

    const response = await page.goto(`${nginx}/app/${step}`);
    expect(response!.status()).toBe(status);
    expect(new URL(page.url()).pathname).toBe(`/app/${step}`);
    const shown = await identityShown(page);
    expect(shown.email).toBe(email);
    expect(shown.sessionId).toBe(session);

    // Both cookies came back renewed, each in a Set-Cookie header of its own.
    const setCookies = (await response!.headersArray()).filter((h) => h.name.toLowerCase() === 'set-cookie');
    expect(setCookies.map((h) => h.value.split('=')[0]).sort()).toEqual(['signedin_access', 'signedin_refresh']);
    const after = { access: await cookieValue(context, 'access'), refresh: await cookieValue(context, 'refresh') };
    expect(after.access).toBeTruthy();
    expect(after.access).not.toBe(before.access);
    expect(after.refresh).toBeTruthy();
    expect(after.refresh).not.toBe(before.refresh);

    // Right after, nothing to renew: no Set-Cookie at all (an empty one would be a bug).
    const again = await page.goto(`${nginx}/app/${step.replace('missing/', '')}-again`);
    expect((await again!.allHeaders())['set-cookie']).toBeUndefined();
    expect(await cookieValue(context, 'access')).toBe(after.access);
  }
  await context.close();
});

test('a cross-site POST carrying the cookies is refused; a same-origin one and a bearer one pass', async ({ browser, request, playwright }) => {
  const nginx = url('NGINX');
  const email = uniqueEmail('gw-csrf');
  await createAccount(request, email);
  const { context, page } = await device(browser, MAC_CHROME);
  await signInAt(page, nginx, email);

  // Same origin: the app's own form.
  await page.goto(`${nginx}/app/form`);
  const posted = page.waitForResponse((r) => r.url() === `${nginx}/app/submitted` && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Post a form' }).click();
  expect((await posted).status()).toBe(200);
  await expect(page.locator('#method')).toHaveText('POST');

  // Another origin of the same site (another port of 127.0.0.1): a real browser form post,
  // which carries the SameSite=Lax cookies, and Sec-Fetch-Site: same-site.
  const evil = `${url('APP')}/evil-page`;
  await context.route(evil, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><form method="post" action="${nginx}/app/transfer">
        <input type="hidden" name="to" value="mallory"><button>Win a prize</button></form>`,
    }),
  );
  await page.goto(evil);
  const forged = page.waitForResponse((r) => r.url() === `${nginx}/app/transfer`);
  await page.getByRole('button', { name: 'Win a prize' }).click();
  const refused = await forged;
  expect((await refused.request().allHeaders())['cookie']).toContain('signedin_');
  expect(refused.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'Protected app' })).toHaveCount(0);

  // The same by hand, with this browser's cookies: by Sec-Fetch-Site, then by Origin alone.
  const forgedBy = async (headers: Record<string, string>) => {
    await page.goto(`${nginx}/app/renew-first`); // a live access cookie for the request below
    return (await context.request.post(`${nginx}/app/transfer`, { headers, form: { to: 'mallory' }, maxRedirects: 0 })).status();
  };
  expect(await forgedBy({ 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' })).toBe(403);
  expect(await forgedBy({ Origin: 'https://evil.example' })).toBe(403);
  expect(await forgedBy({ Origin: nginx })).toBe(200);

  // A bearer token is no ambient credential: no cross-site rule for it.
  const login = await request.post(`${nginx}/auth/login`, { data: { email, password: 'correct horse battery staple' } });
  const token = (await login.json()).access_token;
  const api = await playwright.request.newContext();
  const bearer = await api.post(`${nginx}/app/transfer`, {
    headers: { Authorization: `Bearer ${token}`, 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' },
    form: { to: 'someone' },
    maxRedirects: 0,
  });
  expect(bearer.status()).toBe(200);
  expect(await bearer.text()).toContain(email);
  await api.dispose();
  await context.close();
});

test('a refused cross-site POST does not cost the user their session', async ({ browser, request }) => {
  // The forged request arrives when the access cookie has expired: had forward-auth rotated
  // the refresh token before refusing, the browser would keep the old one, and its next
  // request, past the reuse grace window, would look like a stolen token's and end the session.
  const nginx = url('NGINX');
  const email = uniqueEmail('gw-csrf-renew');
  await createAccount(request, email);
  const { context, page } = await device(browser, MAC_CHROME);
  await signInAt(page, nginx, email);
  await page.goto(`${nginx}/app/start`);
  const session = (await identityShown(page)).sessionId;

  const evil = `${url('APP')}/evil-page`;
  await context.route(evil, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><form method="post" action="${nginx}/app/transfer"><button>Win a prize</button></form>`,
    }),
  );
  await page.goto(evil);
  await sleep(ACCESS_TTL * 1000 + 1000);
  expect(await cookieValue(context, 'access')).toBeUndefined();
  const forged = page.waitForResponse((r) => r.url() === `${nginx}/app/transfer`);
  await page.getByRole('button', { name: 'Win a prize' }).click();
  expect((await forged).status()).toBe(403);

  // Past the reuse grace window (the script sets SIGNEDIN_REUSE_GRACE_SECS=2).
  await sleep(3000);
  await page.goto(`${nginx}/app/later`);
  expect(new URL(page.url()).pathname).toBe('/app/later');
  expect((await identityShown(page)).sessionId).toBe(session);
  await context.close();
});
