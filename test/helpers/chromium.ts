/**
 * What the dashboard's browser tests share: where Debian's Chromium is (or
 * CHROMIUM_PATH), the skip reason when it is missing (none under CI=true:
 * there a missing browser fails the test), and two page checks: the bytes
 * of script a page loads, and controls without a name.
 */
import { existsSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';

export const CHROMIUM = (process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : ['/usr/bin/chromium', '/usr/bin/chromium-browser']).find((p) => existsSync(p));
export const skipWithoutChromium: string | false = !CHROMIUM && process.env.CI !== 'true' ? 'Chromium is not installed (apt-get install chromium)' : false;

/**
 * Bytes of script a fresh load of `url` fetches: a new tab of the context
 * (same session) with the cache off, so every module comes over the wire;
 * counted from the bodies, once `ready` is on the page and the network is idle.
 */
export async function scriptBytesOf(context: BrowserContext, url: string, ready: string): Promise<number> {
  const tab = await context.newPage();
  const cdp = await context.newCDPSession(tab);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const bodies: Promise<number>[] = [];
  tab.on('response', (res) => {
    if (res.request().resourceType() === 'script') bodies.push(res.body().then((b) => b.length));
  });
  await tab.goto(url);
  await tab.locator(ready).first().waitFor();
  await tab.waitForLoadState('networkidle');
  const total = (await Promise.all(bodies)).reduce((a, b) => a + b, 0);
  await cdp.detach();
  await tab.close();
  return total;
}

/** The outer HTML of every visible input, select, textarea and button without a label, an aria-label or text. */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`[...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
    .filter((el) => !el.hidden && !el.closest('[hidden]'))
    .filter((el) => !el.innerText?.trim() && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby') && !el.labels?.length)
    .map((el) => el.outerHTML)`);
}

/** The accessible-ish names (aria-label, else text) of the controls Tab reaches in `presses` presses from where focus is. */
export async function tabReach(page: Page, presses: number): Promise<Set<string>> {
  const reached = new Set<string>();
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press('Tab');
    reached.add(await page.evaluate<string>("document.activeElement?.getAttribute('aria-label') || document.activeElement?.textContent?.trim() || document.activeElement?.id || ''"));
  }
  return reached;
}
