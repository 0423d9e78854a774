import * as path from 'node:path';
import { test, expect } from '@playwright/test';
import { IPHONE_SAFARI, MAC_CHROME, PASSWORD, device, hydrated, sessionRows, signIn, signUp, uniqueEmail } from './helpers';

// Where the lead's review looks for the picture of a renamed device.
const RENAME_SCREENSHOT = path.join(__dirname, '..', 'screenshots', 'rename.png');

// The rename form is a plain post (see app/src/components/session_row.rs): the page comes
// back with the new name, with JavaScript or without.
test('a device is renamed from its row and keeps its name after a reload', async ({ browser }) => {
  const email = uniqueEmail('names');
  const mac = await device(browser, MAC_CHROME);
  const iphone = await device(browser, IPHONE_SAFARI);
  await signUp(mac.page, email);
  await signIn(iphone.page, email);
  await mac.page.reload();
  await hydrated(mac.page);
  const rows = sessionRows(mac.page);
  await expect(rows).toHaveCount(2);
  const phone = rows.filter({ hasText: 'Safari on iPhone' });

  await phone.getByText('Rename', { exact: true }).click();
  await phone.getByLabel('Device name').fill('Ada’s phone');
  await phone.getByRole('button', { name: 'Save' }).click();
  await expect(phone.locator('.device-label')).toHaveText('Ada’s phone');
  await expect(phone.locator('.session-device')).toHaveText('Safari on iPhone');
  await hydrated(mac.page);
  await mac.page.screenshot({ path: RENAME_SCREENSHOT, fullPage: true });

  await mac.page.reload();
  await hydrated(mac.page);
  await expect(rows.nth(1).locator('.device-label')).toHaveText('Ada’s phone');
  await expect(rows.nth(1).locator('.session-device')).toHaveText('Safari on iPhone');
  await expect(rows.nth(1).getByLabel('Device name')).toBeHidden();
  await expect(mac.page.locator('.activity-list')).toContainText('You renamed Safari on iPhone to “Ada’s phone”');

  // The phone sees the name its owner gave it, on its own list.
  await iphone.page.reload();
  await hydrated(iphone.page);
  await expect(sessionRows(iphone.page).first().locator('.device-label')).toHaveText('Ada’s phone');
  for (const d of [mac, iphone]) await d.context.close();
});

test('a refused name says why and changes nothing', async ({ browser }) => {
  const email = uniqueEmail('bad-name');
  const mac = await device(browser, MAC_CHROME);
  await signUp(mac.page, email);
  await hydrated(mac.page);
  const row = sessionRows(mac.page).first();
  await row.getByText('Rename', { exact: true }).click();
  // A right-to-left override would make the name read differently from what was typed.
  await row.getByLabel('Device name').fill('\u202Epotpal kroW');
  await row.getByRole('button', { name: 'Save' }).click();
  await expect(mac.page.getByRole('alert')).toHaveText(
    'Could not rename that device. Device name: must not contain text-direction characters',
  );
  await expect(row.locator('.device-label')).toHaveText('Chrome on macOS');
  await mac.context.close();
});

test('without JavaScript, a device is renamed by a plain form post', async ({ browser }) => {
  const email = uniqueEmail('nojs-name');
  const phone = await device(browser, IPHONE_SAFARI);
  await signUp(phone.page, email);
  const context = await browser.newContext({ userAgent: MAC_CHROME, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/account\/devices$/);
  const iphoneRow = sessionRows(page).filter({ hasText: 'Safari on iPhone' });
  await iphoneRow.getByText('Rename', { exact: true }).click();
  await iphoneRow.getByLabel('Device name').fill('Kitchen iPad');
  await iphoneRow.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL(/\/account\/devices/);
  await expect(iphoneRow.locator('.device-label')).toHaveText('Kitchen iPad');
  await context.close();
  await phone.context.close();
});
