import { test, expect } from '@playwright/test';
import { IPHONE_SAFARI, MAC_CHROME, PASSWORD, WINDOWS_FIREFOX, agePasswordEntry, device, hydrated, sessionRows, signIn, signUp, uniqueEmail } from './helpers';

test('signing out another device removes its row at once and signs that device out', async ({ browser }) => {
  const email = uniqueEmail('two-devices');
  const mac = await device(browser, MAC_CHROME);
  const iphone = await device(browser, IPHONE_SAFARI);
  await signUp(mac.page, email);
  await signIn(iphone.page, email);

  await mac.page.reload();
  await hydrated(mac.page);
  const rows = sessionRows(mac.page);
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText('Chrome on macOS');
  await expect(rows.first()).toContainText('This device');
  await expect(mac.page.getByText('This device', { exact: true })).toHaveCount(1);
  await expect(rows.nth(1)).toContainText('Safari on iPhone');
  await expect(rows.nth(1)).toContainText('Last active');
  await expect(rows.nth(1).locator('time').first()).toHaveAttribute('datetime', /^\d{4}-\d\d-\d\dT/);

  // No reload may happen: the marker would vanish with the page.
  await mac.page.evaluate(() => ((window as any).__noReload = true));
  await mac.page.getByRole('button', { name: 'Sign out Safari on iPhone' }).click();
  await expect(rows).toHaveCount(1);
  await expect(mac.page.getByRole('list', { name: 'Signed-in devices' })).not.toContainText('Safari on iPhone');
  expect(await mac.page.evaluate(() => (window as any).__noReload)).toBe(true);
  await expect(mac.page.locator('.activity-list')).toContainText('You signed out Safari on iPhone');

  // The iPhone's open page leaves for the sign-in page on its own (live.spec.ts); only then is
  // it sent back, so the two navigations cannot cross.
  await expect(iphone.page).toHaveURL(/\/login\?next=/);
  await iphone.page.goto('/account/devices');
  await expect(iphone.page).toHaveURL(/\/login\?next=/);
  await mac.context.close();
  await iphone.context.close();
});

test('signing out of all other sessions leaves only this one', async ({ browser }) => {
  const email = uniqueEmail('three-devices');
  const mac = await device(browser, MAC_CHROME);
  const iphone = await device(browser, IPHONE_SAFARI);
  const windows = await device(browser, WINDOWS_FIREFOX);
  // This device signs in last, so its password entry is fresh for the step-up rule.
  await signUp(iphone.page, email);
  await signIn(windows.page, email);
  await signIn(mac.page, email);
  await expect(sessionRows(mac.page)).toHaveCount(3);
  await mac.page.getByText('Sign out of all other sessions').click();
  await mac.page.getByRole('button', { name: 'Sign out 2 other sessions' }).click();
  await expect(mac.page.getByRole('status')).toHaveText('Signed out of 2 other sessions.');
  await expect(sessionRows(mac.page)).toHaveCount(1);
  await expect(sessionRows(mac.page).first()).toContainText('This device');

  for (const other of [iphone, windows]) {
    // Their open pages leave on their own first (live.spec.ts).
    await expect(other.page).toHaveURL(/\/login/);
    await other.page.goto('/account/devices');
    await expect(other.page).toHaveURL(/\/login/);
  }
  for (const d of [mac, iphone, windows]) await d.context.close();
});

test('the list notices a device signed out elsewhere when the tab regains focus', async ({ browser }) => {
  const email = uniqueEmail('focus');
  const mac = await device(browser, MAC_CHROME);
  const iphone = await device(browser, IPHONE_SAFARI);
  await signUp(mac.page, email);
  await signIn(iphone.page, email);
  await mac.page.reload();
  await hydrated(mac.page);
  await expect(sessionRows(mac.page)).toHaveCount(2);

  // The iPhone signs itself out from its own list.
  await iphone.page.getByRole('button', { name: 'Sign out Safari on iPhone (this device)' }).click();
  await expect(iphone.page).toHaveURL(/\/login/);

  await mac.page.evaluate(() => window.dispatchEvent(new Event('focus')));
  await expect(sessionRows(mac.page)).toHaveCount(1);
  for (const d of [mac, iphone]) await d.context.close();
});

test('relative times tick in the browser without a reload', async ({ browser }) => {
  const email = uniqueEmail('clock');
  const mac = await device(browser, MAC_CHROME);
  await mac.page.clock.install();
  await signUp(mac.page, email);
  const lastActive = sessionRows(mac.page).first().locator('time').first();
  await expect(lastActive).toHaveText('now');
  // The exact time in the reader's own zone once the browser is live (the server writes UTC).
  await expect(lastActive).toHaveAttribute('title', /^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M$/);
  await mac.page.clock.fastForward('05:00');
  await expect(lastActive).toHaveText(/^[45] minutes ago$/);
  await mac.context.close();
});

test('the page works by keyboard alone', async ({ browser }) => {
  const email = uniqueEmail('keyboard');
  const mac = await device(browser, MAC_CHROME);
  const iphone = await device(browser, IPHONE_SAFARI);
  await signUp(mac.page, email);
  await signIn(iphone.page, email);
  await mac.page.reload();
  await hydrated(mac.page);
  await expect(sessionRows(mac.page)).toHaveCount(2);

  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await mac.page.keyboard.press('Tab');
    reached = await mac.page.evaluate(
      () => document.activeElement?.getAttribute('aria-label') === 'Sign out Safari on iPhone',
    );
  }
  expect(reached).toBe(true);
  await mac.page.keyboard.press('Enter');
  await expect(sessionRows(mac.page)).toHaveCount(1);
  for (const d of [mac, iphone]) await d.context.close();
});

test('a refused sign-out puts the row back and says why', async ({ browser }) => {
  const email = uniqueEmail('rollback');
  const mac = await device(browser, MAC_CHROME);
  const iphone = await device(browser, IPHONE_SAFARI);
  await signUp(mac.page, email);
  await signIn(iphone.page, email);
  await mac.page.reload();
  await hydrated(mac.page);
  await expect(sessionRows(mac.page)).toHaveCount(2);

  // The server refuses as it does for a session that ended a moment ago (404, pinned by
  // server/tests/api/pages.rs::signing_out_a_device_that_already_ended_is_404_session_not_found),
  // slowly enough to see the row leave first.
  await mac.page.route('**/api/sign_out_session*', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    await route.fulfill({ status: 404, contentType: 'application/json', body: '"SessionNotFound"' });
  });
  await mac.page.getByRole('button', { name: 'Sign out Safari on iPhone' }).click();
  await expect(sessionRows(mac.page)).toHaveCount(1);
  await expect(mac.page.getByRole('alert')).toContainText('Could not sign that device out');
  await expect(sessionRows(mac.page)).toHaveCount(2);
  await expect(sessionRows(mac.page).nth(1)).toContainText('Safari on iPhone');
  for (const d of [mac, iphone]) await d.context.close();
});

test('signing out all others asks for the password when the last one is too old', async ({ browser }) => {
  const email = uniqueEmail('step-up');
  const mac = await device(browser, MAC_CHROME);
  const iphone = await device(browser, IPHONE_SAFARI);
  await signUp(mac.page, email);
  await signIn(iphone.page, email);
  agePasswordEntry(email);
  await mac.page.reload();
  await hydrated(mac.page);
  await mac.page.getByText('Sign out of all other sessions').click();
  await mac.page.getByRole('button', { name: 'Sign out 1 other session' }).click();
  await expect(mac.page.getByRole('alert')).toContainText('confirm your password');
  await mac.page.getByLabel('Confirm your password').fill('not it');
  await mac.page.getByRole('button', { name: 'Sign out 1 other session' }).click();
  await expect(mac.page.getByRole('alert')).toContainText('That password is incorrect.');
  await mac.page.getByLabel('Confirm your password').fill(PASSWORD);
  await mac.page.getByRole('button', { name: 'Sign out 1 other session' }).click();
  await expect(mac.page.getByRole('status')).toHaveText('Signed out of 1 other session.');
  await expect(sessionRows(mac.page)).toHaveCount(1);
  for (const d of [mac, iphone]) await d.context.close();
});
