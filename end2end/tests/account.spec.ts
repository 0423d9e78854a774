import { test, expect } from '@playwright/test';
import { PASSWORD, hydrated, signUp, uniqueEmail } from './helpers';

test('sign up, a wrong password, then sign out of this device', async ({ page }) => {
  const email = uniqueEmail('account');
  await signUp(page, email);
  await expect(page.getByRole('navigation', { name: 'Account' })).toContainText(email);

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/login$/);

  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText('The email or password is incorrect.');

  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL('**/account/devices');
  await page.getByRole('button', { name: /\(this device\)$/ }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/account/devices');
  await expect(page).toHaveURL(/\/login\?next=%2Faccount%2Fdevices|\/login\?next=\/account\/devices/);
});

test('sign-up refuses a short password and a taken email with readable messages', async ({ page }) => {
  const email = uniqueEmail('signup-errors');
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  // The browser's own minlength check would stop the form; the server must say it too.
  await page.getByLabel('Password').evaluate((el) => el.removeAttribute('minlength'));
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert')).toContainText('Password: must be at least 8 characters');

  await signUp(page, email);
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  // Signed out (the live stream and the sign-out both go to the sign-in page) before moving on.
  await page.waitForURL(/\/login/);
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Email').fill(email.toUpperCase());
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert')).toContainText('already exists');
});
