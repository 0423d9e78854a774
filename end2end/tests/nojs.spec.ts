import { test, expect } from '@playwright/test';
import { IPHONE_SAFARI, MAC_CHROME, PASSWORD, signUp, uniqueEmail } from './helpers';

test('without JavaScript, signing in and signing a device out still work', async ({ browser }) => {
  const email = uniqueEmail('nojs');
  // The account and a second device, made with JavaScript on.
  const phone = await browser.newContext({ userAgent: IPHONE_SAFARI });
  await signUp(await phone.newPage(), email);

  const context = await browser.newContext({ userAgent: MAC_CHROME, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText('The email or password is incorrect.');

  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/account\/devices$/);
  const rows = page.getByRole('list', { name: 'Signed-in devices' }).getByRole('listitem');
  await expect(rows).toHaveCount(2);

  await page.getByRole('button', { name: 'Sign out Safari on iPhone' }).click();
  await expect(page).toHaveURL(/\/account\/devices/);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('This device');
  await context.close();
  await phone.close();
});
