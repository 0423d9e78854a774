import { test, expect } from '@playwright/test';
import { MAC_CHROME, device, hydrated, sessionRows, signIn, signUp, uniqueEmail } from './helpers';

test('no token is readable by page scripts', async ({ browser }) => {
  const mac = await device(browser, MAC_CHROME);
  await signUp(mac.page, uniqueEmail('cookies'));
  expect(await mac.page.evaluate(() => document.cookie)).toBe('');
  const cookies = await mac.context.cookies();
  const session = cookies.filter((c) => c.name.includes('signedin_'));
  expect(session.map((c) => c.name).sort()).toEqual(['signedin_access', 'signedin_refresh']);
  for (const cookie of session) {
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Lax');
  }
  await mac.context.close();
});

test('a cross-site POST to a server function is refused and changes nothing', async ({ browser }) => {
  const email = uniqueEmail('csrf');
  const victim = await device(browser, MAC_CHROME);
  const other = await device(browser, MAC_CHROME);
  await signUp(victim.page, email);
  await signIn(other.page, email);
  await victim.page.reload();
  await hydrated(victim.page);
  await expect(sessionRows(victim.page)).toHaveCount(2);
  const form = victim.page.locator('form.session-action').nth(1);
  const action = await form.getAttribute('action');
  const prefix = await form.locator('input[name="jti_prefix"]').getAttribute('value');
  expect(action).toMatch(/^\/api\/sign_out_session/);

  // With the victim's cookies attached and a foreign Origin: refused.
  const forged = await victim.page.request.post(action!, {
    headers: { Origin: 'https://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' },
    data: `jti_prefix=${prefix}`,
  });
  expect(forged.status()).toBe(403);

  // A real browser posting from another site: refused as well.
  const attacker = await victim.context.newPage();
  await attacker.route('http://evil.test/**', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<form method="post" action="${new URL(action!, victim.page.url()).href}">
               <input name="jti_prefix" value="${prefix}"></form>
             <script>document.forms[0].submit()</script>`,
    }),
  );
  const [response] = await Promise.all([
    attacker.waitForResponse((r) => r.url().includes('/api/sign_out_session')),
    attacker.goto('http://evil.test/attack'),
  ]);
  expect(response.status()).toBe(403);

  await victim.page.reload();
  await expect(sessionRows(victim.page)).toHaveCount(2);
  for (const d of [victim, other]) await d.context.close();
});

test('a hostile user agent is shown as text, never run', async ({ browser }) => {
  const email = uniqueEmail('xss');
  const hostile = '"><script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">';
  const evil = await device(browser, hostile);
  const mac = await device(browser, MAC_CHROME);
  let dialogs = 0;
  mac.page.on('dialog', (d) => {
    dialogs += 1;
    return d.dismiss();
  });
  await signUp(mac.page, email);
  await signIn(evil.page, email);
  await mac.page.reload();
  await hydrated(mac.page);
  await expect(sessionRows(mac.page)).toHaveCount(2);
  await expect(mac.page.getByText(hostile, { exact: true })).toBeVisible();
  expect(await mac.page.evaluate(() => (window as any).__pwned)).toBeUndefined();
  expect(dialogs).toBe(0);
  for (const d of [mac, evil]) await d.context.close();
});
