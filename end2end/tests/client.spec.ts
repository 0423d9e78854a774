// The browser client (@signedin/browser, clients/browser) against the real server, in the
// real browser: a test page at the server's own origin loads the built client, so cookies,
// the Origin check, Web Locks and BroadcastChannel are all the real ones.
import { test, expect } from '@playwright/test';
import { IPHONE_SAFARI, MAC_CHROME, PASSWORD, hydrated, sessionRows, signIn, device, uniqueEmail } from './helpers';
import {
  ACCESS_COOKIE,
  NOTHING_READABLE,
  REFRESH_COOKIE,
  REFRESH_PATH,
  asCookies,
  call,
  clientFetch,
  cookieValue,
  countRequests,
  eventKinds,
  expireAccessCookie,
  ok,
  openClient,
  readableState,
  refreshOutside,
  serveClient,
  signUpApi,
  signedOutReasons,
} from './client-helpers';

test('signing in through the client starts a session the devices page shows; listSessions puts it first', async ({ browser }) => {
  const email = uniqueEmail('client-signin');
  await signUpApi(email);
  const mac = await browser.newContext({ userAgent: MAC_CHROME });
  await serveClient(mac);
  const page = await openClient(mac);

  // A wrong password is a typed error carrying the server's problem.
  const wrong = await call(page, 'signIn', email, 'not the password at all');
  expect(wrong.error).toMatchObject({ name: 'SignedinError', status: 401, type: 'invalid_credentials', code: 'invalid_credentials' });
  expect(wrong.error!.title).not.toBe('');

  const signedIn = await ok(page, 'signIn', email, PASSWORD);
  expect(signedIn.sessionId).toMatch(/^ses_[0-9a-f]{32}$/);
  expect(signedIn.userId).toMatch(/^[0-9a-f]{32}$/);
  expect(signedIn.expiresIn).toBeGreaterThan(0);
  expect(await ok(page, 'session')).toMatchObject({ sessionId: signedIn.sessionId, userId: signedIn.userId });

  // The tokens are cookies page scripts cannot read, and nothing was stored.
  const cookies = (await mac.cookies()).filter((c) => c.name.startsWith('signedin_'));
  expect(cookies.map((c) => c.name).sort()).toEqual([ACCESS_COOKIE, REFRESH_COOKIE]);
  for (const cookie of cookies) {
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Lax');
    expect(cookie.path).toBe('/');
  }
  expect(await readableState(page)).toEqual(NOTHING_READABLE);

  // A newer session elsewhere: the client's own still comes first.
  const iphone = await device(browser, IPHONE_SAFARI);
  await signIn(iphone.page, email);
  const sessions = await ok(page, 'listSessions');
  expect(sessions).toHaveLength(2);
  expect(sessions[0]).toMatchObject({ id: signedIn.sessionId, is_current: true });
  expect(sessions[1].is_current).toBe(false);
  expect(await ok(page, 'isSignedIn')).toBe(true);

  // The devices page, in the same browser, shows that session as this device.
  const devices = await mac.newPage();
  await devices.goto('/account/devices');
  await hydrated(devices);
  const rows = sessionRows(devices);
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText('Chrome on macOS');
  await expect(rows.first()).toContainText('This device');
  await expect(rows.nth(1)).toContainText('Safari on iPhone');

  // The rename goes through too, and the list shows it.
  const renamed = await ok(page, 'renameSession', signedIn.sessionId, 'Work laptop');
  expect(renamed).toMatchObject({ id: signedIn.sessionId, name: 'Work laptop' });
  expect(await readableState(page)).toEqual(NOTHING_READABLE);
  await mac.close();
  await iphone.context.close();
});

test('revoking another device removes it, and that device is signed out at its next call', async ({ browser }) => {
  const email = uniqueEmail('client-revoke');
  await signUpApi(email);
  const mac = await browser.newContext({ userAgent: MAC_CHROME });
  const iphone = await browser.newContext({ userAgent: IPHONE_SAFARI });
  await serveClient(mac);
  await serveClient(iphone);
  const macPage = await openClient(mac);
  const phoneTabs = [await openClient(iphone), await openClient(iphone)];
  await ok(macPage, 'signIn', email, PASSWORD);
  const phone = await ok(phoneTabs[0], 'signIn', email, PASSWORD);

  expect((await ok(macPage, 'listSessions')).map((s: any) => s.id)).toContain(phone.sessionId);
  const unknown = await call(macPage, 'revokeSession', `ses_${'0'.repeat(32)}`);
  expect(unknown.error).toMatchObject({ name: 'SignedinError', status: 404 });

  await ok(macPage, 'revokeSession', phone.sessionId);
  const left = await ok(macPage, 'listSessions');
  expect(left).toHaveLength(1);
  expect(left[0].is_current).toBe(true);
  const devices = await mac.newPage();
  await devices.goto('/account/devices');
  await hydrated(devices);
  await expect(sessionRows(devices)).toHaveCount(1);
  await expect(devices.getByRole('list', { name: 'Signed-in devices' })).not.toContainText('Safari on iPhone');
  expect(await signedOutReasons(macPage)).toEqual([]);

  // The phone's access cookie has not expired, but its session has: the call is refused, the
  // refresh is refused twice (the one retry), and then the phone knows it is signed out, in
  // both of its tabs.
  const refreshes = countRequests(iphone, REFRESH_PATH);
  const answer = await clientFetch(phoneTabs[0], '/me/sessions');
  expect(answer.status).toBe(401);
  expect(refreshes.count).toBe(2);
  expect(refreshes.statuses).toEqual([401, 401]);
  expect(await signedOutReasons(phoneTabs[0])).toEqual(['session-ended']);
  await expect.poll(() => signedOutReasons(phoneTabs[1])).toEqual(['other-tab']);
  expect(await ok(phoneTabs[1], 'session')).toBeNull();
  const refused = await call(phoneTabs[1], 'listSessions');
  expect(refused.error).toMatchObject({ name: 'SignedinError', status: 401 });
  await mac.close();
  await iphone.close();
});

test('signOut ends the session, clears the cookies, and the other tabs hear it', async ({ browser }) => {
  const email = uniqueEmail('client-signout');
  await signUpApi(email);
  const mac = await browser.newContext({ userAgent: MAC_CHROME });
  await serveClient(mac);
  const [first, second] = [await openClient(mac), await openClient(mac)];
  const signedIn = await ok(first, 'signIn', email, PASSWORD);
  // The other tab heard of the sign-in.
  await expect.poll(async () => (await ok(second, 'session'))?.sessionId).toBe(signedIn.sessionId);

  await ok(first, 'signOut');
  expect(await cookieValue(mac, ACCESS_COOKIE)).toBeUndefined();
  expect(await cookieValue(mac, REFRESH_COOKIE)).toBeUndefined();
  expect(await signedOutReasons(first)).toEqual(['sign-out']);
  await expect.poll(() => signedOutReasons(second)).toEqual(['other-tab']);
  expect(await ok(second, 'session')).toBeNull();
  expect((await clientFetch(second, '/me/sessions')).status).toBe(401);
  expect(await ok(second, 'isSignedIn')).toBe(false);

  // On the server the session is over: a new sign-in is the account's only session.
  const again = await ok(first, 'signIn', email, PASSWORD);
  const sessions = await ok(first, 'listSessions');
  expect(sessions.map((s: any) => s.id)).toEqual([again.sessionId]);
  expect(await eventKinds(first)).toContain('sign_out');

  // Signing out with an expired access cookie renews it first, then ends the session.
  await expireAccessCookie(mac);
  await ok(first, 'signOut');
  expect(await cookieValue(mac, REFRESH_COOKIE)).toBeUndefined();
  const third = await ok(first, 'signIn', email, PASSWORD);
  expect((await ok(first, 'listSessions')).map((s: any) => s.id)).toEqual([third.sessionId]);
  await mac.close();
});

// A tab that waited for the lock learns that another tab refreshed from the other tab's
// message, or, should that message come late (nothing orders it with the lock), from
// `GET /auth/check` with the cookie it now holds. Without BroadcastChannel only the second
// way is left, and it must be enough on its own.
for (const variant of ['', ' (without BroadcastChannel)']) {
test(`four tabs whose access cookie expired at once: one refresh between them, and the session lives on${variant}`, async ({ browser }) => {
  const email = uniqueEmail('client-tabs');
  await signUpApi(email);
  const mac = await browser.newContext({ userAgent: MAC_CHROME });
  if (variant) {
    await mac.addInitScript(() => {
      delete (window as any).BroadcastChannel;
    });
  }
  await serveClient(mac);
  const tabs = [];
  for (let i = 0; i < 4; i++) tabs.push(await openClient(mac));
  const signedIn = await ok(tabs[0], 'signIn', email, PASSWORD);
  const before = await ok(tabs[0], 'listSessions');
  const refreshBefore = await cookieValue(mac, REFRESH_COOKIE);

  await expireAccessCookie(mac);
  const refreshes = countRequests(mac, REFRESH_PATH);
  const checks = countRequests(mac, '/auth/check', 'GET');
  // Every tab calls at the same instant (a shared deadline on the one clock).
  const at = Date.now() + 750;
  const answers = await Promise.all(tabs.map((tab) => clientFetch(tab, '/me/sessions', at)));
  for (const answer of answers) {
    expect(answer.status).toBe(200);
    expect(answer.body.sessions[0]).toMatchObject({ id: signedIn.sessionId, is_current: true });
  }
  expect(refreshes.count, 'exactly one refresh reached the server').toBe(1);
  expect(refreshes.statuses).toEqual([200]);
  console.log(`four tabs${variant}: 1 refresh; the others waited for it and asked /auth/check ${checks.count} time(s)`);
  // Every tab asked once: the first found the cookie dead, the three others found it renewed.
  if (variant) expect(checks.count).toBe(4);
  expect(await cookieValue(mac, REFRESH_COOKIE)).not.toBe(refreshBefore);
  expect(await cookieValue(mac, ACCESS_COOKIE)).toBeTruthy();

  // Still the same live session, rotated once, no twin and no reuse.
  const after = await ok(tabs[1], 'listSessions');
  expect(after).toHaveLength(1);
  expect(after[0].id).toBe(before[0].id);
  expect(after[0].jti_prefix).not.toBe(before[0].jti_prefix);
  const kinds = await eventKinds(tabs[2]);
  for (const bad of ['reuse_detected', 'refresh_grace', 'refresh_superseded', 'session_revoked', 'sign_out']) {
    expect(kinds).not.toContain(bad);
  }
  const devices = await mac.newPage();
  await devices.goto('/account/devices');
  await hydrated(devices);
  await expect(sessionRows(devices)).toHaveCount(1);
  await expect(sessionRows(devices).first()).toContainText('This device');
  for (const tab of tabs) {
    expect(await signedOutReasons(tab)).toEqual([]);
    expect(await readableState(tab)).toEqual(NOTHING_READABLE);
  }
  await mac.close();
});
}

test('without Web Locks, concurrent calls in one tab still share one refresh', async ({ browser }) => {
  const email = uniqueEmail('client-nolocks');
  await signUpApi(email);
  const mac = await browser.newContext({ userAgent: MAC_CHROME });
  // As on an origin that is not a secure context, or an old browser.
  await mac.addInitScript(() => {
    delete (Navigator.prototype as any).locks;
  });
  await serveClient(mac);
  const page = await openClient(mac);
  expect(await page.evaluate(() => 'locks' in navigator)).toBe(false);
  await ok(page, 'signIn', email, PASSWORD);
  await expireAccessCookie(mac);
  const refreshes = countRequests(mac, REFRESH_PATH);
  const statuses = await page.evaluate(async () => {
    const client = (window as any).client;
    const answers = await Promise.all(Array.from({ length: 5 }, () => client.fetch('/me/sessions')));
    return answers.map((answer: Response) => answer.status);
  });
  expect(statuses).toEqual([200, 200, 200, 200, 200]);
  expect(refreshes.count).toBe(1);
  expect(await eventKinds(page)).not.toContain('reuse_detected');
  await mac.close();
});

test('the proactive refresh runs in one tab only, and in another once that tab closes', async ({ browser }) => {
  const email = uniqueEmail('client-proactive');
  await signUpApi(email);
  const mac = await browser.newContext({ userAgent: MAC_CHROME });
  await serveClient(mac);
  // The access cookie lives 900 s: a margin of 897 s renews it 3 s after each renewal.
  const options = { refreshMarginSeconds: 897 };
  const tabs = [await openClient(mac, options), await openClient(mac, options), await openClient(mac, options)];
  const refreshes = countRequests(mac, REFRESH_PATH);
  const signedIn = await ok(tabs[1], 'signIn', email, PASSWORD);
  expect(signedIn.expiresIn, 'this test assumes the default access lifetime').toBe(900);
  const signedInAt = Date.now();

  await expect.poll(() => refreshes.count, { timeout: 8_000 }).toBe(1);
  const first = Date.now();
  expect(first - signedInAt).toBeGreaterThan(2_000);
  // Every tab heard the new expiry; none of them renewed again.
  await expect.poll(async () => new Set(await Promise.all(tabs.map(async (t) => (await ok(t, 'session')).expiresAt))).size).toBe(1);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(refreshes.count).toBe(1);

  // One tab holds the leader lock, the other two wait for it.
  const locks = await tabs[0].evaluate(() => navigator.locks.query());
  expect(locks.held?.filter((l) => l.name === 'signedin:leader')).toHaveLength(1);
  expect(locks.pending?.filter((l) => l.name === 'signedin:leader')).toHaveLength(2);

  // The leader (the tab that renewed) goes away: another tab takes over the renewals.
  const leader = refreshes.pages[0];
  expect(leader && tabs.includes(leader)).toBe(true);
  await leader!.close();
  const rest = tabs.filter((tab) => tab !== leader);
  await expect.poll(() => refreshes.count, { timeout: 8_000 }).toBeGreaterThanOrEqual(2);
  expect(rest).toContain(refreshes.pages[1]);
  await expect.poll(() => refreshes.statuses.length).toBe(refreshes.count);
  expect(refreshes.statuses.every((s) => s === 200)).toBe(true);
  const kinds = await eventKinds(rest[0]);
  expect(kinds).not.toContain('refresh_grace');
  expect(kinds).not.toContain('reuse_detected');
  for (const tab of rest) expect(await signedOutReasons(tab)).toEqual([]);
  await mac.close();
});

// A refresh loses when the cookie it carries was rotated twice while it was on its way
// (another tab, or the devices page, renewed the session in between): the server refuses the
// stale twin without ending the session. The winner's cookie lands in the shared jar either
// just before or just after the loser's 401; the client's one retry carries it.
for (const order of ['after', 'before'] as const) {
  test(`a refresh that lost a race is retried once and wins (the winner's cookie lands ${order} the 401)`, async ({ browser }) => {
    const email = uniqueEmail(`client-race-${order}`);
    await signUpApi(email);
    const mac = await browser.newContext({ userAgent: MAC_CHROME });
    await serveClient(mac);
    const page = await openClient(mac, { refreshMarginSeconds: false });
    const signedIn = await ok(page, 'signIn', email, PASSWORD);
    await expireAccessCookie(mac);
    const stale = (await cookieValue(mac, REFRESH_COOKIE))!;

    let winner: { access: string; refresh: string } | undefined;
    let jarAfterLoss: string | undefined;
    const refreshes = countRequests(mac, REFRESH_PATH);
    await page.route(`**${REFRESH_PATH}`, async (route) => {
      if (!winner) {
        // While this refresh is on its way with `stale`, the session is renewed twice elsewhere.
        const second = await refreshOutside(stale, MAC_CHROME);
        winner = await refreshOutside(second.refresh, MAC_CHROME);
        if (order === 'after') {
          // The stale request reaches the server (with the jar's cookie, still `stale`)...
          const response = await route.fetch();
          // ...the winner's cookies land, and then the stale request's answer arrives. That
          // answer must not wipe the winner's cookies out of the jar: the server refuses a
          // superseded twin without ending the session, and must leave the cookies alone.
          await mac.addCookies(asCookies(winner));
          await route.fulfill({ response });
          jarAfterLoss = await cookieValue(mac, REFRESH_COOKIE);
        } else {
          await route.continue();
        }
        return;
      }
      if (order === 'before') {
        // The loser's 401 came first; the winner's cookies land before the retry leaves.
        await mac.addCookies(asCookies(winner));
      }
      await route.continue();
    });

    const answer = await clientFetch(page, '/me/sessions');
    if (order === 'after') {
      expect(jarAfterLoss, "the loser's 401 left the winner's refresh cookie in the jar").toBe(winner!.refresh);
    }
    expect(refreshes.count, 'the refresh and exactly one retry').toBe(2);
    expect(refreshes.statuses).toEqual([401, 200]);
    expect(answer.status).toBe(200);
    expect(answer.body.sessions[0]).toMatchObject({ id: signedIn.sessionId, is_current: true });
    expect(await signedOutReasons(page)).toEqual([]);
    const kinds = await eventKinds(page);
    expect(kinds).toContain('refresh_superseded');
    expect(kinds).not.toContain('reuse_detected');
    expect(await readableState(page)).toEqual(NOTHING_READABLE);
    await mac.close();
  });
}
