import { test, expect, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { IPHONE_SAFARI, MAC_CHROME, PASSWORD, agePasswordEntry, device, hydrated, sessionRows, signIn, signUp, uniqueEmail } from './helpers';

// WCAG 2.2 AA, checked by axe-core on every page, signed in and out, light and dark, at a
// phone's 360 px and a desktop's 1280 px.
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

async function audit(page: Page, what: string): Promise<void> {
  for (const width of [360, 1280]) {
    for (const scheme of ['light', 'dark'] as const) {
      await page.setViewportSize({ width, height: 900 });
      await page.emulateMedia({ colorScheme: scheme });
      const { violations } = await new AxeBuilder({ page }).withTags(TAGS).analyze();
      const found = violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      expect(found, `${what} at ${width}px, ${scheme}`).toEqual([]);
    }
  }
}

test('every page signed out has no WCAG 2.2 AA violations', async ({ page }) => {
  for (const path of ['/', '/login', '/signup', '/alerts/not-me?token=not-a-token', '/no-such-page']) {
    await page.goto(path);
    await page.waitForLoadState('load');
    await audit(page, path);
  }
});

test('every page signed in has no WCAG 2.2 AA violations', async ({ browser }) => {
  const email = uniqueEmail('axe');
  const mac = await device(browser, MAC_CHROME);
  const iphone = await device(browser, IPHONE_SAFARI);
  await signUp(iphone.page, email);
  await signIn(mac.page, email);
  for (const path of ['/', '/account/devices', '/account/password']) {
    await mac.page.goto(path);
    await mac.page.waitForLoadState('load');
    if (path !== '/') await hydrated(mac.page);
    await audit(mac.page, path);
  }
  for (const d of [mac, iphone]) await d.context.close();
});

// The open confirmation, with its password prompt and its danger button.
test('the bulk sign-out asking for the password has no WCAG 2.2 AA violations', async ({ browser }) => {
  const email = uniqueEmail('axe-bulk');
  const mac = await device(browser, MAC_CHROME);
  const iphone = await device(browser, IPHONE_SAFARI);
  await signUp(iphone.page, email);
  await signIn(mac.page, email);
  agePasswordEntry(email);
  await mac.page.goto('/account/devices');
  await hydrated(mac.page);
  await mac.page.getByText('Sign out of all other sessions').click();
  await mac.page.getByRole('button', { name: 'Sign out 1 other session' }).click();
  await expect(mac.page.getByLabel('Confirm your password')).toBeVisible();
  await audit(mac.page, 'the bulk sign-out asking for the password');
  for (const d of [mac, iphone]) await d.context.close();
});

test('by keyboard alone: sign in, sign out a device, sign out all others with the password', async ({ browser }) => {
  const email = uniqueEmail('keys');
  const iphone = await device(browser, IPHONE_SAFARI);
  const windows = await device(browser, MAC_CHROME.replace('Macintosh; Intel Mac OS X 10_15_7', 'Windows NT 10.0; Win64; x64'));
  await signUp(iphone.page, email);
  await signIn(windows.page, email);
  const mac = await device(browser, MAC_CHROME);
  const page = mac.page;

  // Sign in: Tab to each field, type, Enter.
  await page.goto('/login');
  await hydrated(page);
  const tabTo = async (matches: () => boolean, what: string) => {
    for (let i = 0; i < 60; i++) {
      if (await page.evaluate(matches)) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached ${what}`);
  };
  await tabTo(() => document.activeElement?.id === 'email', 'the email field');
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL('**/account/devices');
  await hydrated(page);
  await expect(sessionRows(page)).toHaveCount(3);

  // Sign out the phone: focus moves to the next row's button, and the sign-out is announced.
  await tabTo(
    () => document.activeElement?.getAttribute('aria-label') === 'Sign out Safari on iPhone',
    'the phone\'s Sign out',
  );
  await page.keyboard.press('Enter');
  await expect(sessionRows(page)).toHaveCount(2);
  await expect(page.locator('#device-status')).toHaveText('Safari on iPhone was signed out.');
  // Focus is on a remaining row's "Sign out", not lost to the top of the page.
  const focusedRow = await page.evaluate(
    () => document.activeElement?.closest('.session-action') && document.activeElement.closest('li')?.hidden === false,
  );
  expect(focusedRow).toBe(true);

  // Sign out all others, with the password asked for.
  agePasswordEntry(email);
  await page.reload();
  await hydrated(page);
  await tabTo(() => document.activeElement?.tagName === 'SUMMARY' && document.activeElement.textContent === 'Sign out of all other sessions', 'the bulk sign-out');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Confirm your password')).toBeVisible();
  await tabTo(() => document.activeElement?.id === 'confirm-password', 'the password prompt');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status')).toHaveText('Signed out of 1 other session.');
  await expect(sessionRows(page)).toHaveCount(1);
  for (const d of [mac, iphone, windows]) await d.context.close();
});

test('signing out the last row moves focus to the row before it', async ({ browser }) => {
  const email = uniqueEmail('focus');
  const mac = await device(browser, MAC_CHROME);
  const iphone = await device(browser, IPHONE_SAFARI);
  await signUp(mac.page, email);
  await signIn(iphone.page, email);
  await mac.page.reload();
  await hydrated(mac.page);
  await expect(sessionRows(mac.page)).toHaveCount(2);
  // The phone is the last row: there is no next one, and the previous is this device.
  await mac.page.getByRole('button', { name: 'Sign out Safari on iPhone' }).click();
  await expect(sessionRows(mac.page)).toHaveCount(1);
  await expect(mac.page.getByRole('button', { name: 'Sign out Chrome on macOS (this device)' })).toBeFocused();
  await expect(mac.page.locator('#device-status')).toHaveText('Safari on iPhone was signed out.');
  for (const d of [mac, iphone]) await d.context.close();
});
