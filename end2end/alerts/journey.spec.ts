import { test, expect } from '@playwright/test';
import { IPHONE_SAFARI, MAC_CHROME, WINDOWS_FIREFOX, sessionRows, signUp, uniqueEmail } from '../tests/helpers';
import {
  DEVICE_LINE,
  HANOVER,
  LINUX_CHROME_UA,
  LONDON,
  currentSessionId,
  delivery,
  deviceAt,
  expectPostUnusable,
  expectUnusable,
  expireAlertLinks,
  hydrated,
  link,
  mailsTo,
  setting,
  signInHere,
  streamOpened,
} from './helpers';

// The journey, in Debian's Chromium: a sign-in from a new place is emailed (read from
// the real SMTP sink), "This wasn't me" is opened in a fresh context with JavaScript off and
// confirmed, and the owner's open devices page loses that device and shows why. Webhooks are
// read from the real receiver, which verified each one with the reference library.

test("a new place is emailed; “This wasn't me” from a fresh context signs that device out, without JavaScript", async ({ browser }) => {
  const email = uniqueEmail('alert-not-me');
  const base = setting('BASE');

  // The owner signs up on a Mac (the account's first sign-in: no alert) and keeps the devices page open.
  const home = await deviceAt(browser, MAC_CHROME);
  const opened = streamOpened(home.page);
  await signUp(home.page, email);
  await hydrated(home.page);
  await opened;
  const rows = sessionRows(home.page);
  await expect(rows).toHaveCount(1);
  const homeSession = await currentSessionId(home.context);

  // Someone signs in from Hanover with Firefox on Windows.
  const intruder = await deviceAt(browser, WINDOWS_FIREFOX, HANOVER);
  await signInHere(intruder.page, email);
  const intruderSession = await currentSessionId(intruder.context);
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: 'Firefox on Windows' })).toContainText('New location');

  // The email: one alert, about that sign-in, with both links built from the public URL.
  const [mail] = await mailsTo(email, 1, 'new_sign_in');
  expect(mail.subject).toBe('New sign-in to your account');
  expect(mail.to).toContain(email);
  expect(mail.content_type).toBe('multipart/alternative');
  const notMe = link(mail, 'not-me');
  const wasMe = link(mail, 'was-me');
  expect(notMe.startsWith(`${base}/alerts/not-me?token=`)).toBe(true);
  expect(wasMe.startsWith(`${base}/alerts/was-me?token=`)).toBe(true);
  expect(mail.text).toContain(`This wasn't me: ${notMe}`);
  expect(mail.text).toContain(`Yes, it was me: ${wasMe}`);
  expect(mail.html_links.map((l) => l.url)).toEqual(expect.arrayContaining([notMe, wasMe]));
  // The sign-up's own sign-in sent nothing: this is the account's only email.
  expect(await mailsTo(email, 1)).toHaveLength(1);

  // The webhook for it, verified by the receiver.
  const created = await delivery('session.created for the Hanover sign-in', (d) =>
    d.type === 'session.created' && d.data.session_id === intruderSession);
  // Chromium sends client hints derived from the user agent, which may add the version.
  expect(created.data.device).toMatch(/^Firefox on Windows( 10)?$/);
  // The email names the device as the webhook does.
  expect(mail.text).toMatch(DEVICE_LINE(created.data.device, 'Hanover, DE', HANOVER));
  expect(created.data).toMatchObject({
    user_agent: WINDOWS_FIREFOX,
    ip: HANOVER,
    place: 'Hanover, DE',
    new_location: true,
    new_device: true,
  });
  expect(created.webhook_id).toMatch(/^msg_[0-9a-f]{32}$/);
  // The sign-up's own sign-in (the page's) is an event too, though it sent no email.
  await delivery('session.created for the sign-up’s sign-in', (d) =>
    d.type === 'session.created' && d.data.session_id === homeSession);

  // The owner opens "This wasn't me" somewhere else: not signed in, no JavaScript.
  const elsewhere = await browser.newContext({ javaScriptEnabled: false });
  const page = await elsewhere.newPage();
  const shown = await page.goto(notMe);
  expect(shown!.status()).toBe(200);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText("Wasn't you?");
  // The device line, as the email has it.
  await expect(page.locator('body')).toContainText(`${created.data.device} · Hanover, DE · `);
  await expect(page.locator('body')).toContainText(`IP ${HANOVER}`);
  // Looking changes nothing: the device is still signed in.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText("Wasn't you?");
  expect((await intruder.context.request.get('/me/sessions')).status()).toBe(200);
  // The button is a plain form: where it posts, to replay it once the link is spent.
  const form = page.locator('form', { has: page.getByRole('button', { name: 'Sign out that device' }) });
  const action = new URL((await form.getAttribute('action'))!, base).toString();
  const token = (await form.locator('input[name="token"]').getAttribute('value'))!;
  expect(token).toMatch(/^[A-Za-z0-9_.-]+$/);

  await page.getByRole('button', { name: 'Sign out that device' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('That device is signed out');
  await expect(page.getByRole('button', { name: 'Sign out everywhere' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Sign in to change your password' })).toBeVisible();

  // The owner's open page: the device is gone, and the activity says why.
  await expect(rows).toHaveCount(1, { timeout: 15_000 });
  await expect(home.page.getByRole('list', { name: 'Signed-in devices' })).not.toContainText('Firefox on Windows');
  await expect(home.page.locator('.activity-list')).toContainText("This wasn't me", { timeout: 15_000 });
  // The intruder is out.
  expect((await intruder.context.request.get('/me/sessions')).status()).toBe(401);
  const revoked = await delivery('session.revoked (reported) for the Hanover session', (d) =>
    d.type === 'session.revoked' && d.data.session_id === intruderSession);
  expect(revoked.data.reason).toBe('reported');

  // The same link again, on GET and on POST: a clear page, never an error.
  const again = await elsewhere.newPage();
  const second = await again.goto(notMe);
  await expectUnusable(again, second!.status(), /already been used/);
  await expectPostUnusable(elsewhere.request, action, token, /already been used/);
  // A tampered token, on GET and on POST.
  const tamperedToken = token.slice(0, -2) + (token.endsWith('xx') ? 'yy' : 'xx');
  const bad = await again.goto(notMe.replace(token, tamperedToken));
  await expectUnusable(again, bad!.status(), /isn't valid/);
  await expectPostUnusable(elsewhere.request, action, tamperedToken, /isn't valid/);

  // "Sign out everywhere": the owner's own devices too, and an email says so.
  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Signed out everywhere');
  await expect(home.page).toHaveURL(/\/login/, { timeout: 15_000 });
  expect((await home.context.request.get('/me/sessions')).status()).toBe(401);
  const [everywhere] = await mailsTo(email, 1, 'signed_out_everywhere');
  expect(everywhere.subject).toBe('Your other devices were signed out');
  const homeRevoked = await delivery('session.revoked for the owner’s own session', (d) =>
    d.type === 'session.revoked' && d.data.session_id === homeSession);
  expect(['reported', 'signed_out']).toContain(homeRevoked.data.reason);

  for (const context of [home.context, intruder.context, elsewhere]) await context.close();
});

test('“Yes, it was me” clears the New location badge; links for a used token or an ended session answer a clear page', async ({ browser }) => {
  const email = uniqueEmail('alert-was-me');
  const home = await deviceAt(browser, MAC_CHROME);
  await signUp(home.page, email);

  // A trip to London with an iPhone.
  const traveller = await deviceAt(browser, IPHONE_SAFARI, LONDON);
  await signInHere(traveller.page, email);
  await home.page.reload();
  await hydrated(home.page);
  const trip = sessionRows(home.page).filter({ hasText: 'Safari on iPhone' });
  await expect(trip).toContainText('New location');

  const [mail] = await mailsTo(email, 1, 'new_sign_in');
  expect(mail.text).toMatch(DEVICE_LINE('Safari on iPhone', 'London, GB', LONDON));
  const elsewhere = await browser.newContext();
  const page = await elsewhere.newPage();
  await page.goto(link(mail, 'was-me'));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Was this you?');
  await page.getByRole('button', { name: 'Yes, it was me' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Thanks for confirming');

  await home.page.reload();
  await hydrated(home.page);
  await expect(trip).toHaveCount(1);
  await expect(trip).not.toContainText('New location');
  // The trip's session lives on.
  expect((await traveller.context.request.get('/me/sessions')).status()).toBe(200);

  // Used once: a clear page.
  const used = await page.goto(link(mail, 'was-me'));
  await expectUnusable(page, used!.status(), /already been used/);

  // A new device the owner then signs out: its email's links are for an ended session.
  const laptop = await deviceAt(browser, LINUX_CHROME_UA);
  await signInHere(laptop.page, email);
  const [, second] = await mailsTo(email, 2, 'new_sign_in');
  expect(second.text).toContain('Chrome on Linux');
  await home.page.reload();
  await hydrated(home.page);
  await home.page.getByRole('button', { name: 'Sign out Chrome on Linux' }).click();
  await expect(sessionRows(home.page).filter({ hasText: 'Chrome on Linux' })).toHaveCount(0);
  for (const kind of ['not-me', 'was-me'] as const) {
    const response = await page.goto(link(second, kind));
    // Soft: the rest of the journey still runs (and reports) if one of these fails.
    await expectUnusable(page, response!.status(), /already signed out/, { soft: true });
  }
  // A link past its 24 hours: the database ages it, as a day passing would.
  const tablet = await deviceAt(browser, WINDOWS_FIREFOX, HANOVER);
  await signInHere(tablet.page, email);
  const [, , third] = await mailsTo(email, 3, 'new_sign_in');
  expect(third.text).toContain('Firefox on Windows');
  expireAlertLinks(email);
  for (const kind of ['not-me', 'was-me'] as const) {
    const response = await page.goto(link(third, kind));
    await expectUnusable(page, response!.status(), /expired/);
  }
  // Nothing happened to that device.
  expect((await tablet.context.request.get('/me/sessions')).status()).toBe(200);

  for (const context of [home.context, traveller.context, laptop.context, tablet.context, elsewhere]) await context.close();
});
