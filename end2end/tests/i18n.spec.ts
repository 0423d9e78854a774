import { test, expect, Browser, Page } from '@playwright/test';
import { IPHONE_SAFARI, MAC_CHROME, PASSWORD, hydrated, uniqueEmail } from './helpers';

// The page in the reader's language: negotiated from Accept-Language (a context's `locale`),
// or chosen with the switcher, which a cookie remembers. The e2e server trusts 127.0.0.1 as
// a proxy, so X-Forwarded-For gives a session a real place (DB-IP: 193.99.144.80 is Hanover).

async function german(browser: Browser, options: { javaScriptEnabled?: boolean } = {}) {
  const context = await browser.newContext({
    userAgent: MAC_CHROME,
    locale: 'de-DE',
    timezoneId: 'Europe/Berlin',
    extraHTTPHeaders: { 'X-Forwarded-For': '193.99.144.80' },
    ...options,
  });
  return { context, page: await context.newPage() };
}

/** Signs up through the form by its fields, whatever language it is in. */
async function signUpByFields(page: Page, email: string): Promise<void> {
  await page.goto('/signup');
  await hydrated(page);
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(PASSWORD);
  await page.locator('main button[type=submit]').click();
  await page.waitForURL('**/account/devices');
}

test('the devices page in German for Accept-Language: de-DE', async ({ browser }) => {
  const email = uniqueEmail('deutsch');
  const mac = await german(browser);
  await mac.page.clock.install();
  await signUpByFields(mac.page, email);
  await hydrated(mac.page);
  const page = mac.page;

  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Wo Sie angemeldet sind');
  await expect(page).toHaveTitle('Ihre Geräte · signedin');
  const row = page.locator('li.session').first();
  await expect(row.locator('.device-label')).toHaveText('Chrome unter macOS');
  await expect(row).toContainText('Dieses Gerät');
  // The place in German: CLDR's name of the country, after DB-IP's city.
  await expect(row).toContainText('Angemeldet in Hanover, Deutschland');
  await expect(page.locator('.activity-list')).toContainText('Konto erstellt: Chrome unter macOS · Hanover, Deutschland');

  // Relative times with German plurals, from the browser's Intl once it is live.
  const lastActive = row.locator('time').first();
  await expect(lastActive).toHaveText('jetzt');
  await page.clock.fastForward('01:00:00');
  await expect(lastActive).toHaveText('vor 1 Stunde');
  await page.clock.fastForward('01:00:00');
  await expect(lastActive).toHaveText('vor 2 Stunden');
  await page.clock.fastForward('24:00:00');
  await expect(lastActive).toHaveText('gestern');
  // The exact time on hover, in German date order and the reader's own time zone (the
  // server's render said UTC).
  await expect(lastActive).toHaveAttribute('title', /^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}$/);
  await mac.context.close();
});

test('the server renders German before any script runs, times in UTC', async ({ browser }) => {
  const email = uniqueEmail('ohne-js');
  const mac = await german(browser);
  await signUpByFields(mac.page, email);
  const html = await (
    await mac.context.request.get('/account/devices', { headers: { 'Accept-Language': 'de-DE,de;q=0.9' } })
  ).text();
  expect(html).toContain('<html lang="de"');
  expect(html).toContain('Zuletzt aktiv');
  expect(html).toMatch(/<time datetime="[^"]+" title="\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} UTC">jetzt<\/time>/);
  await mac.context.close();
});

test('other languages and the fallback to English', async ({ browser }) => {
  for (const [locale, heading] of [
    ['ja-JP', 'ログイン'],
    ['fr-CA', 'Connexion'],
    ['es', 'Iniciar sesión'],
    ['pt-BR', 'Sign in'],
  ]) {
    const context = await browser.newContext({ locale });
    const page = await context.newPage();
    await page.goto('/login');
    await expect(page.getByRole('heading', { level: 1 }), locale).toHaveText(heading);
    await context.close();
  }
});

test('the switcher changes the language and a cookie keeps it, with and without JavaScript', async ({ browser }) => {
  for (const javaScriptEnabled of [true, false]) {
    const context = await browser.newContext({ locale: 'en-US', javaScriptEnabled });
    const page = await context.newPage();
    await page.goto('/login');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in');
    await page.getByLabel('Language').selectOption('fr');
    await page.getByRole('button', { name: 'Change language' }).click();
    // Back on the same page, now in French.
    await expect(page).toHaveURL(/\/login\??$/);
    await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Connexion');
    // Remembered across pages, over the browser's own English.
    await page.goto('/signup');
    await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
    await expect(page.getByLabel('Langue')).toHaveValue('fr');
    const cookie = (await context.cookies()).find((c) => c.name === 'signedin_lang');
    expect(cookie?.value).toBe('fr');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Lax');
    await context.close();
  }
});

test('a language the page is not written in is refused, not stored', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto('/login');
  const origin = new URL(page.url()).origin;
  const action = await page.locator('form.language-form').getAttribute('action');
  const response = await context.request.post(action!, {
    form: { lang: 'xx' },
    headers: { Origin: origin, Accept: 'application/json' },
  });
  expect(response.status()).toBeGreaterThanOrEqual(400);
  expect(response.status()).toBeLessThan(500);
  expect((await context.cookies()).find((c) => c.name === 'signedin_lang')).toBeUndefined();
  await context.close();
});

test('the page in two languages at 360 px and desktop, for docs/', async ({ browser }) => {
  const email = uniqueEmail('bilder');
  const mac = await german(browser);
  await signUpByFields(mac.page, email);
  const phone = await browser.newContext({ userAgent: IPHONE_SAFARI, extraHTTPHeaders: { 'X-Forwarded-For': '81.2.69.142' } });
  const phonePage = await phone.newPage();
  await phonePage.goto('/login');
  await hydrated(phonePage);
  await phonePage.locator('#email').fill(email);
  await phonePage.locator('#password').fill(PASSWORD);
  await phonePage.locator('main button[type=submit]').click();
  await phonePage.waitForURL('**/account/devices');

  for (const [lang, page] of [['de', mac.page], ['en', phonePage]] as const) {
    await page.reload();
    await hydrated(page);
    for (const width of [360, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${lang} at ${width}px`).toBeLessThanOrEqual(0);
      await page.screenshot({ path: `../docs/screenshots/devices-${lang}-${width}.png`, fullPage: true });
    }
  }
  await mac.context.close();
  await phone.close();
});
