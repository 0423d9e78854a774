import { test, expect } from '@playwright/test';
import { IPHONE_SAFARI, MAC_CHROME, PASSWORD, agePasswordEntry, device, hydrated, sessionRows, signIn, signUp, uniqueEmail } from './helpers';

const NEW_PASSWORD = 'a brand new passphrase 42';

test('changing the password from the devices page signs the other devices out', async ({ browser }) => {
  const email = uniqueEmail('password');
  const mac = await device(browser, MAC_CHROME);
  const iphone = await device(browser, IPHONE_SAFARI);
  await signUp(mac.page, email);
  await signIn(iphone.page, email);

  await mac.page.getByRole('link', { name: 'Change your password' }).click();
  await expect(mac.page).toHaveURL(/\/account\/password$/);
  await expect(mac.page.getByLabel('Sign out my other devices')).toBeChecked();

  // A wrong current password changes nothing and says why.
  await mac.page.getByLabel('Current password').fill('not my password');
  await mac.page.getByLabel('New password').fill(NEW_PASSWORD);
  await mac.page.getByRole('button', { name: 'Change password' }).click();
  await expect(mac.page.getByRole('alert')).toHaveText('That password is incorrect.');
  await expect(mac.page).toHaveURL(/\/account\/password/);
  await expect(mac.page).not.toHaveURL(/changed=/);
  await expect(mac.page.getByRole('status')).toHaveCount(0);

  await mac.page.getByLabel('Current password').fill(PASSWORD);
  await mac.page.getByLabel('New password').fill(NEW_PASSWORD);
  await mac.page.getByRole('button', { name: 'Change password' }).click();
  await expect(mac.page).toHaveURL(/\/account\/password\?changed=1$/);
  const said = mac.page.getByRole('status');
  await expect(said).toHaveText('Your password was changed, and 1 other device was signed out.');
  await expect(said).toBeFocused();

  // The phone is signed out; the new password works, the old one does not.
  await iphone.page.goto('/account/devices');
  await expect(iphone.page).toHaveURL(/\/login/);
  await signIn(iphone.page, email, NEW_PASSWORD);
  await mac.page.goto('/account/devices');
  await hydrated(mac.page);
  await expect(mac.page.locator('.activity-list')).toContainText('Password changed on Chrome on macOS');
  await expect(sessionRows(mac.page)).toHaveCount(2);
  for (const d of [mac, iphone]) await d.context.close();
});

test('without JavaScript the password changes too, and unticked keeps the other devices', async ({ browser }) => {
  const email = uniqueEmail('password-nojs');
  const iphone = await device(browser, IPHONE_SAFARI);
  await signUp(iphone.page, email);
  const context = await browser.newContext({ userAgent: MAC_CHROME, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL('**/account/devices');

  await page.goto('/account/password');
  await page.getByLabel('Current password').fill('wrong password');
  await page.getByLabel('New password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('alert')).toHaveText('That password is incorrect.');

  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByLabel('New password').fill(NEW_PASSWORD);
  await page.getByLabel('Sign out my other devices').uncheck();
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page).toHaveURL(/\/account\/password\?changed=kept$/);
  await expect(page.getByRole('status')).toHaveText('Your password was changed. Your other devices stay signed in.');

  // The phone stays signed in; the new password is the one that works.
  await iphone.page.reload();
  await hydrated(iphone.page);
  await expect(sessionRows(iphone.page)).toHaveCount(2);
  const fresh = await device(browser, MAC_CHROME);
  await signIn(fresh.page, email, NEW_PASSWORD);
  for (const c of [context, iphone.context, fresh.context]) await c.close();
});

test('the password page asks a signed-out visitor to sign in first', async ({ page }) => {
  await page.goto('/account/password');
  await expect(page).toHaveURL(/\/login\?next=\/account\/password$/);
});

test('the password page is in the reader\'s language', async ({ browser }) => {
  const email = uniqueEmail('passwort');
  const mac = await device(browser, MAC_CHROME);
  await signUp(mac.page, email);
  await mac.context.addCookies([{ name: 'signedin_lang', value: 'de', url: mac.page.url() }]);
  await mac.page.goto('/account/password');
  await hydrated(mac.page);
  await expect(mac.page.getByRole('heading', { level: 1 })).toHaveText('Passwort ändern');
  await mac.page.locator('#new-password').pressSequentially('short');
  const rating = mac.page.locator('#new-password-strength');
  await expect(rating).toHaveText(/\S/);
  await expect(rating).not.toContainText('Strength');
  await mac.context.close();
});

test('an old sign-in changes the password in one step: the entry is the confirmation', async ({ browser }) => {
  const email = uniqueEmail('password-old');
  const mac = await device(browser, MAC_CHROME);
  await signUp(mac.page, email);
  agePasswordEntry(email);
  await mac.page.goto('/account/password');
  await mac.page.getByLabel('Current password').fill(PASSWORD);
  await mac.page.getByLabel('New password').fill(NEW_PASSWORD);
  await mac.page.getByRole('button', { name: 'Change password' }).click();
  await expect(mac.page.getByRole('status')).toHaveText('Your password was changed. No other devices were signed in.');
  await mac.context.close();
});

test('the new password is rated as it is typed', async ({ browser }) => {
  const email = uniqueEmail('strength');
  const mac = await device(browser, MAC_CHROME);
  await signUp(mac.page, email);
  await mac.page.goto('/account/password');
  await hydrated(mac.page);
  const rating = mac.page.locator('#new-password-strength');
  const field = mac.page.getByLabel('New password');
  await field.pressSequentially('short');
  await expect(rating).toHaveText('Strength: too short');
  await field.fill('');
  await field.pressSequentially('ab12cd34');
  await expect(rating).toHaveText('Strength: weak');
  await field.fill('');
  await field.pressSequentially(NEW_PASSWORD);
  await expect(rating).toHaveText('Strength: very strong');
  await mac.context.close();
});
