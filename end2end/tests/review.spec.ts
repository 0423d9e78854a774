import { test, expect, type Browser } from '@playwright/test';
import { IPHONE_SAFARI, MAC_CHROME, PASSWORD, hydrated, sessionRows, signUp, uniqueEmail } from './helpers';

// `next` values that once led a signed-in browser off the site (browsers strip tabs and
// read a backslash as a slash), or made the server panic (/%7F).
const HOSTILE_NEXT = ['/%09/evil.example/x', '/%5C/evil.example/x', '//evil.example/x', 'https://evil.example/x', '/%7F'];

async function signInWithNext(browser: Browser, email: string, next: string, javaScriptEnabled: boolean): Promise<string> {
  const context = await browser.newContext({ userAgent: MAC_CHROME, javaScriptEnabled });
  const page = await context.newPage();
  // Were the browser sent there, it would land on this page instead of failing to resolve.
  await context.route(
    (url) => url.hostname === 'evil.example',
    (route) => route.fulfill({ contentType: 'text/html', body: '<h1>evil</h1>' }),
  );
  await page.goto(`/login?next=${next}`);
  if (javaScriptEnabled) await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('heading', { name: "Where you're signed in" })).toBeVisible();
  const landed = page.url();
  await context.close();
  return landed;
}

test('a hostile next after sign-in keeps the browser on this site, with and without JavaScript', async ({ browser, baseURL }) => {
  const email = uniqueEmail('next');
  const owner = await browser.newContext({ userAgent: IPHONE_SAFARI });
  await signUp(await owner.newPage(), email);
  for (const javaScriptEnabled of [true, false]) {
    for (const next of HOSTILE_NEXT) {
      const landed = await signInWithNext(browser, email, next, javaScriptEnabled);
      expect(landed, `next=${next}, JavaScript ${javaScriptEnabled ? 'on' : 'off'}`).toBe(`${baseURL}/account/devices`);
    }
  }
  await owner.close();
});

test('without JavaScript, signing up lands on the devices page', async ({ browser }) => {
  const context = await browser.newContext({ userAgent: MAC_CHROME, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/signup');
  await page.getByLabel('Email').fill(uniqueEmail('nojs-signup'));
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/account\/devices$/);
  await expect(sessionRows(page)).toHaveCount(1);
  await expect(sessionRows(page).first()).toContainText('This device');
  await context.close();
});

test('without JavaScript, signing out all other sessions and then this device work', async ({ browser }) => {
  const email = uniqueEmail('nojs-bulk');
  const phone = await browser.newContext({ userAgent: IPHONE_SAFARI });
  await signUp(await phone.newPage(), email);

  const context = await browser.newContext({ userAgent: MAC_CHROME, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/account\/devices$/);
  await expect(sessionRows(page)).toHaveCount(2);

  // The password was entered a moment ago, so no second prompt.
  await page.getByText('Sign out of all other sessions').click();
  await page.getByRole('button', { name: 'Sign out 1 other session' }).click();
  await page.goto('/account/devices');
  await expect(sessionRows(page)).toHaveCount(1);
  await expect(sessionRows(page).first()).toContainText('This device');

  await page.getByRole('navigation', { name: 'Account' }).getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto('/account/devices');
  await expect(page).toHaveURL(/\/login/);
  await context.close();
  await phone.close();
});
