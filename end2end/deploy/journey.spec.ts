import { test, expect } from '@playwright/test';
import { IPHONE_SAFARI, MAC_CHROME, PASSWORD, hydrated, sessionRows, signIn, signUp, uniqueEmail } from '../tests/helpers';
import { nginxAccess, nodeAddr, pinnedDevice, recordServed, servedBy } from './deploy';

// Through nginx, as deployed (docs/DEPLOY.md): TLS ends at nginx, the nodes share one
// PostgreSQL database, and what one node did holds on the other at the very next request.
// A device is pinned to a node by a test-only header nginx routes on; every answer says which
// node gave it (X-Served-By), so "served by node A" below is checked, not assumed.

const nodesOf = (served: { by: string | null }[]) => [...new Set(served.map((s) => s.by))].sort();

test('a device signed in through node A and signed out through node B is refused by node A at once', async ({ browser }) => {
  const email = uniqueEmail('deploy-journey');
  const laptop = await pinnedDevice(browser, MAC_CHROME, 'a');

  await signUp(laptop.page, email);
  expect(laptop.served.length).toBeGreaterThan(0);
  expect(nodesOf(laptop.served)).toEqual(['a']);
  // nginx terminates TLS and the nodes know the public URL is https: __Host- cookies.
  const cookies = await laptop.context.cookies();
  const names = cookies.map((c) => c.name).sort();
  expect(names).toEqual(['__Host-signedin_access', '__Host-signedin_refresh']);
  for (const c of cookies) {
    expect(c.secure).toBe(true);
    expect(c.httpOnly).toBe(true);
    expect(c.path).toBe('/');
  }

  // The existing app behind forward-auth, checked by node A: it sees who is signed in.
  const app = await laptop.context.request.get('/app/whoami?x=1', { maxRedirects: 0 });
  expect(app.status()).toBe(200);
  expect(servedBy(app.headers()['x-auth-served-by'])).toBe('a');
  expect(await app.text()).toMatch(new RegExp(`^app: user=[0-9a-f]{32} session=ses_[0-9a-f]{32} email=${email.replace(/[.+]/g, '\\$&')} uri=/app/whoami\\?x=1$`, 'm'));

  // The same device (its cookies), now routed to node B, signs out there. A new tab, so that
  // nothing the old one still had in flight to node A is counted.
  await laptop.context.setExtraHTTPHeaders({ 'X-Signedin-Node': 'b' });
  const tab = await laptop.context.newPage();
  await laptop.page.close();
  const served = recordServed(tab);
  await tab.goto('/account/devices');
  await hydrated(tab);
  const logged = nginxAccess().length;
  await tab.getByRole('button', { name: 'Sign out', exact: true }).click();
  await tab.waitForURL(/\/login/);
  expect(nodesOf(served)).toEqual(['b']);
  // The sign-out itself went to node B, says nginx's access log. (The page may leave before
  // the answer arrives, its own live stream telling it first: nginx then logs a 499, and the
  // node finishes the sign-out all the same.)
  const signOuts = nginxAccess()
    .slice(logged)
    .filter((line) => /"POST \/api\/sign_out\d* HTTP/.test(line));
  expect(signOuts).toHaveLength(1);
  expect(signOuts[0]).toMatch(new RegExp(` (200|302|303|499) ".*" up=${nodeAddr('b').replace(/\./g, '\\.')} `));

  // The cookies it had, presented to node A right after: refused, by page and by forward-auth.
  const replay = await pinnedDevice(browser, MAC_CHROME, 'a');
  await replay.context.addCookies(cookies);
  await replay.page.goto('/account/devices');
  await expect(replay.page).toHaveURL(/\/login/);
  expect(nodesOf(replay.served)).toEqual(['a']);
  const refused = await replay.context.request.get('/app/whoami?x=1', { maxRedirects: 0 });
  expect(refused.status()).toBe(302);
  expect(servedBy(refused.headers()['x-auth-served-by'])).toBe('a');
  const login = new URL(refused.headers()['location'], tab.url());
  expect(login.origin + login.pathname).toBe(new URL('/login', tab.url()).href);
  expect(login.searchParams.get('next')).toBe('/app/whoami?x=1');

  for (const d of [laptop, replay]) await d.context.close();
});

test('a sign-in and a sign-out through node B reach the live page node A serves through nginx', async ({ browser }) => {
  const email = uniqueEmail('deploy-live');
  const mac = await pinnedDevice(browser, MAC_CHROME, 'a');
  const iphone = await pinnedDevice(browser, IPHONE_SAFARI, 'b');

  const opened = mac.page.waitForResponse((r) => r.url().endsWith('/me/sessions/events') && r.status() === 200);
  await signUp(mac.page, email);
  await hydrated(mac.page);
  const stream = await opened;
  expect(servedBy(stream.headers()['x-served-by'])).toBe('a');
  const rows = sessionRows(mac.page);
  await expect(rows).toHaveCount(1);
  await mac.page.evaluate(() => ((window as any).__noReload = true));

  // Signed in through node B: the stream node A holds open through nginx hears it at once
  // (nginx must not buffer it).
  await signIn(iphone.page, email);
  await expect(rows).toHaveCount(2, { timeout: 2_000 });
  await expect(rows.nth(1)).toContainText('Safari on iPhone');

  // Node B's page signs node A's device out: A's tab says so and leaves for the sign-in page.
  await hydrated(iphone.page);
  await iphone.page.getByRole('button', { name: 'Sign out Chrome on macOS' }).click();
  await expect(mac.page.getByRole('alert').filter({ hasText: 'You were signed out' })).toBeVisible({ timeout: 2_000 });
  await mac.page.waitForURL(/\/login/, { timeout: 2_000 });
  expect(nodesOf(mac.served)).toEqual(['a']);
  expect(nodesOf(iphone.served)).toEqual(['b']);

  for (const d of [mac, iphone]) await d.context.close();
});

test("nginx replaces a client's X-Forwarded-For: the node records the address nginx saw", async ({ request }) => {
  const email = uniqueEmail('deploy-xff');
  const signup = await request.post('/auth/signup', { data: { email, password: PASSWORD } });
  expect(signup.status()).toBe(201);
  for (const node of ['a', 'b']) {
    const login = await request.post('/auth/login', {
      data: { email, password: PASSWORD },
      headers: { 'X-Forwarded-For': '203.0.113.7', 'X-Signedin-Node': node },
    });
    expect(login.status()).toBe(200);
    expect(login.headers()['x-served-by']).toBe(nodeAddr(node as 'a' | 'b'));
    expect((await login.json()).session.ip).toBe('127.0.0.1');
  }
});
