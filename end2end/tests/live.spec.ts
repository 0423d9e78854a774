import * as path from 'node:path';
import { test, expect, type Page } from '@playwright/test';
import { IPHONE_SAFARI, MAC_CHROME, PASSWORD, device, hydrated, sessionRows, signIn, signUp, uniqueEmail } from './helpers';

// The devices page kept live by the server's stream (GET /me/sessions/events): two browser
// contexts are two devices of one account.

const EVENTS = '/me/sessions/events';

/**
 * Resolves once the page's push stream has been answered 200: from then on changes arrive
 * unasked. Call it before the navigation that opens the page.
 */
function streamOpened(page: Page) {
  return page.waitForResponse((response) => response.url().endsWith(EVENTS) && response.status() === 200);
}

/** The polite live region that tells screen readers of new sign-ins. */
function announcements(page: Page) {
  return page.locator('#new-sign-ins');
}

test('a sign-in on another device appears here within two seconds, without a reload', async ({ browser }) => {
  const email = uniqueEmail('live-sign-in');
  const mac = await device(browser, MAC_CHROME);
  const iphone = await device(browser, IPHONE_SAFARI);
  const opened = streamOpened(mac.page);
  await signUp(mac.page, email);
  await hydrated(mac.page);
  await opened;
  const rows = sessionRows(mac.page);
  await expect(rows).toHaveCount(1);
  // The page as loaded is not news.
  await expect(announcements(mac.page)).toHaveText('');
  // No reload may happen: the marker would vanish with the page.
  await mac.page.evaluate(() => ((window as any).__noReload = true));

  await iphone.page.goto('/login');
  await hydrated(iphone.page);
  await iphone.page.getByLabel('Email').fill(email);
  await iphone.page.getByLabel('Password').fill(PASSWORD);
  await iphone.page.getByRole('button', { name: 'Sign in', exact: true }).click();

  await expect(rows).toHaveCount(2, { timeout: 2_000 });
  await expect(rows.nth(1)).toContainText('Safari on iPhone');
  await expect(announcements(mac.page)).toHaveText(/^New sign-in(?: from a new location)?: Safari on iPhone$/);
  await expect(mac.page.locator('.activity-list')).toContainText(/New sign-in(?: from a new location)?: Safari on iPhone/);
  expect(await mac.page.evaluate(() => (window as any).__noReload)).toBe(true);

  await iphone.page.waitForURL('**/account/devices');
  for (const d of [mac, iphone]) await d.context.close();
});

test('this device signed out from another says so, then is on the sign-in page within two seconds', async ({ browser }) => {
  const email = uniqueEmail('live-signed-out');
  const mac = await device(browser, MAC_CHROME);
  const iphone = await device(browser, IPHONE_SAFARI);
  const opened = streamOpened(mac.page);
  await signUp(mac.page, email);
  await hydrated(mac.page);
  await opened;
  await signIn(iphone.page, email);
  await hydrated(iphone.page);
  await expect(sessionRows(mac.page)).toHaveCount(2);
  await expect(sessionRows(iphone.page)).toHaveCount(2);

  // The trip to the sign-in page is held until the notice has been photographed; when it
  // was asked for is what counts.
  let leftAt = 0;
  let photographed!: () => void;
  const held = new Promise<void>((resolve) => (photographed = resolve));
  await mac.page.route('**/login**', async (route) => {
    if (route.request().isNavigationRequest() && leftAt === 0) leftAt = Date.now();
    await held;
    await route.continue();
  });

  const started = Date.now();
  await iphone.page.getByRole('button', { name: 'Sign out Chrome on macOS' }).click();

  const notice = mac.page.getByRole('alert').filter({ hasText: 'You were signed out' });
  await expect(notice).toHaveText(
    /^You were signed out \(on Safari on iPhone, at [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M\)$/,
    { timeout: 2_000 },
  );
  // No stale account on screen: the list went with the session.
  await expect(mac.page.getByRole('list', { name: 'Signed-in devices' })).toBeHidden();
  await mac.page.screenshot({ path: path.join(__dirname, '..', 'screenshots', 'signed-out.png') });

  await expect.poll(() => leftAt, { timeout: 2_000 }).toBeGreaterThan(0);
  expect(leftAt - started, 'ms from the click to the trip to the sign-in page').toBeLessThanOrEqual(2_000);
  photographed();
  await mac.page.waitForURL(/\/login/);
  await expect(mac.page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  for (const d of [mac, iphone]) await d.context.close();
});

test('a row being signed out never comes back, not even for a frame', async ({ browser }) => {
  const email = uniqueEmail('live-no-flicker');
  const mac = await device(browser, MAC_CHROME);
  const iphone = await device(browser, IPHONE_SAFARI);
  await signUp(mac.page, email);
  await signIn(iphone.page, email);
  const opened = streamOpened(mac.page);
  await mac.page.reload();
  await hydrated(mac.page);
  await opened;
  await expect(sessionRows(mac.page)).toHaveCount(2);

  // Watches every DOM change and every frame: once the iPhone's row has gone (hidden or
  // removed), seeing it shown again is a flicker.
  await mac.page.evaluate(() => {
    const row = { gone: false, cameBack: 0 };
    const shown = () =>
      Array.from(document.querySelectorAll('ul[aria-label="Signed-in devices"] > li')).some(
        (li) => !(li as HTMLElement).hidden && (li.textContent ?? '').includes('Safari on iPhone'),
      );
    const look = () => {
      if (!shown()) row.gone = true;
      else if (row.gone) row.cameBack += 1;
    };
    new MutationObserver(look).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['hidden'],
    });
    const everyFrame = () => {
      look();
      requestAnimationFrame(everyFrame);
    };
    requestAnimationFrame(everyFrame);
    (window as any).__row = row;
  });

  await mac.page.getByRole('button', { name: 'Sign out Safari on iPhone' }).click();
  await expect(sessionRows(mac.page)).toHaveCount(1);
  // The list has been read again since the answer (the action's reload, the stream's change).
  await expect(mac.page.locator('.activity-list')).toContainText('You signed out Safari on iPhone');
  await mac.page.waitForTimeout(1_000);
  const row = await mac.page.evaluate(() => (window as any).__row);
  expect(row.gone).toBe(true);
  expect(row.cameBack, 'times the signed-out row was shown again').toBe(0);
  for (const d of [mac, iphone]) await d.context.close();
});

test('while the stream is refused the page catches up anyway, and reconnects with backoff', async ({ browser }) => {
  const email = uniqueEmail('live-fallback');
  const mac = await device(browser, MAC_CHROME);
  let attempts = 0;
  let firstAt = 0;
  await mac.context.route(`**${EVENTS}`, (route) => {
    attempts += 1;
    if (firstAt === 0) firstAt = Date.now();
    return route.fulfill({ status: 503, contentType: 'application/problem+json', body: '{"status":503}' });
  });
  await signUp(mac.page, email);
  await hydrated(mac.page);
  // Refused, it tries again (an EventSource refused with a status never does on its own).
  await expect.poll(() => attempts, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);

  const iphone = await device(browser, IPHONE_SAFARI);
  await signIn(iphone.page, email);
  await mac.page.evaluate(() => window.dispatchEvent(new Event('focus')));
  await expect(sessionRows(mac.page)).toHaveCount(2);

  // Backing off (1 s, 2 s, 4 s …), not hammering the server.
  const seconds = (Date.now() - firstAt) / 1000;
  expect(attempts, `attempts in ${seconds.toFixed(1)} s`).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(seconds + 1)));

  const reopened = mac.page.waitForResponse(
    (response) => response.url().endsWith(EVENTS) && response.status() === 200,
    { timeout: 40_000 },
  );
  await mac.context.unroute(`**${EVENTS}`);
  await reopened;
  for (const d of [mac, iphone]) await d.context.close();
});
