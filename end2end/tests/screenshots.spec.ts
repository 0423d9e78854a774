import { test, expect } from '@playwright/test';
import { IPHONE_SAFARI, MAC_CHROME, WINDOWS_FIREFOX, device, hydrated, sessionRows, signIn, signUp, uniqueEmail } from './helpers';

// Screenshots of the devices page, kept in test-results/ as artifacts, plus the checks a
// picture cannot make: nothing overflows sideways at phone widths.
test('the devices page at 1280 and 390 px, light and dark', async ({ browser }, testInfo) => {
  const email = uniqueEmail('screens');
  const mac = await device(browser, MAC_CHROME);
  const phone = await device(browser, IPHONE_SAFARI);
  await signUp(phone.page, email);
  const windows = await device(browser, WINDOWS_FIREFOX);
  await signIn(windows.page, email);
  await signIn(mac.page, email);
  await hydrated(mac.page);
  await expect(sessionRows(mac.page)).toHaveCount(3);

  for (const width of [1280, 390, 360]) {
    for (const scheme of ['light', 'dark'] as const) {
      await mac.page.setViewportSize({ width, height: 900 });
      await mac.page.emulateMedia({ colorScheme: scheme });
      const overflow = await mac.page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `horizontal overflow at ${width}px ${scheme}`).toBeLessThanOrEqual(0);
      if (width !== 360) {
        const path = testInfo.outputPath(`devices-${width}-${scheme}.png`);
        await mac.page.screenshot({ path, fullPage: true });
        await testInfo.attach(`devices-${width}-${scheme}`, { path, contentType: 'image/png' });
      }
    }
  }
  for (const d of [mac, phone, windows]) await d.context.close();
});
