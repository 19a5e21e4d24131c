/**
 * What the Chromium tests share, started once per test process: one test
 * cluster (swiftly's storage servers), our proxy over it (object
 * versioning on, its /metrics on a port of its own) and one headless
 * Chromium. A cluster costs ~8 CPU-s to start and Chromium ~2.5, so the
 * browser suites run in one file (`test/integration/browser.test.ts`),
 * each in a browser context of its own, rather than one process each.
 *
 * Screenshots for the README are taken only when SCREENSHOTS_DIR names a
 * folder (`npm run docs:screenshots` sets it to docs/): a plain test run
 * writes nothing into the repo.
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM } from './chromium.js';
import { freePort, SwiftCluster } from './swift-cluster.js';

export interface BrowserRig {
  cluster: SwiftCluster;
  proxyUrl: string;
  /** Where the proxy serves /metrics. */
  proxyMetricsPort: number;
  browser: Browser;
  /** A fresh context (its own cookies) with a page, closed when the rig stops. */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  /** Logs `page` in to the dashboard at `url` with tempauth credentials. */
  login(page: Page, url: string, user: string, key: string): Promise<void>;
  /** Saves a screenshot `<name>.png` into SCREENSHOTS_DIR; does nothing when it is unset. */
  screenshot(page: Page, name: string, options?: { fullPage?: boolean }): Promise<void>;
}

/** Registers before/after hooks in the current describe that start and stop the rig; its fields are set once `before` ran. */
export function browserRig(): BrowserRig {
  const contexts: BrowserContext[] = [];
  const shots = process.env.SCREENSHOTS_DIR ? resolve(process.env.SCREENSHOTS_DIR) : undefined;
  const rig = {
    async newPage(viewport = { width: 1280, height: 900 }) {
      const context = await rig.browser.newContext({ viewport });
      contexts.push(context);
      return context.newPage();
    },
    async login(page: Page, url: string, user: string, key: string) {
      await page.goto(`${url}/login`);
      await page.getByLabel('User').fill(user);
      await page.getByLabel('Key').fill(key);
      await Promise.all([page.waitForURL(`${url}/objects`), page.getByRole('button', { name: 'Log in' }).click()]);
    },
    async screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}) {
      if (!shots) return;
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: join(shots, `${name}.png`), ...options });
    },
  } as BrowserRig;

  before(async () => {
    assert.ok(CHROMIUM, 'CI=true needs Chromium: apt-get install chromium');
    // Both at once; whichever started is stopped by `after` if the other failed.
    const [cluster, browser] = await Promise.allSettled([
      SwiftCluster.start({ backend: 'swiftly' }),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] }),
    ]);
    if (cluster.status === 'fulfilled') rig.cluster = cluster.value;
    if (browser.status === 'fulfilled') rig.browser = browser.value;
    for (const r of [cluster, browser]) if (r.status === 'rejected') throw r.reason;
    rig.proxyMetricsPort = await freePort();
    const proxy = await rig.cluster.startProxy('', undefined,
      { versioned_writes: { allow_versioned_writes: true, allow_object_versioning: true } }, 0, { metrics_bind_port: rig.proxyMetricsPort });
    rig.proxyUrl = `http://127.0.0.1:${proxy.port}`;
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await rig.browser?.close();
    await rig.cluster?.stop();
  });
  return rig;
}
