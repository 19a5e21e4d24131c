/**
 * `npm run bench:dashboard`: how long the object browser takes to render a
 * page of 1,000 objects (issue 23: "under a second on this machine").
 *
 *   node dist/bench/dashboard/render.js [--loads 9] [--objects 1000]
 *
 * A real cluster and dashboard (test/helpers/dashboard.ts's fixture), a container of
 * `--objects` empty objects, and headless Chromium (Debian's `chromium`,
 * driven by playwright-core, CHROMIUM_PATH for another) loading
 * `/objects?container=…` `--loads` times. Each load is timed by the page
 * itself: `data-render-ms` is the time from the listing's answers to the
 * first frame painted with the rows (the page's own work, not the server's
 * wait), `data-fetch-ms` the listing requests, `data-shown-ms` navigation
 * start to painted. Prints each figure's minimum, median and maximum and the
 * load average; exits 1 when the median render is 1 s or more.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM } from '../../test/helpers/chromium.js';
import { putMany, startDashboardFixture } from '../../test/helpers/dashboard.js';

const { values } = parseArgs({ options: { loads: { type: 'string', default: '9' }, objects: { type: 'string', default: '1000' } } });
const loads = Number(values.loads);
const objects = Number(values.objects);

const stats = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  return `min ${s[0]} / median ${s[Math.floor(s.length / 2)]} / max ${s[s.length - 1]} ms`;
};

async function main(): Promise<number> {
  if (!CHROMIUM) throw new Error('Chromium is not installed (apt-get install chromium), or set CHROMIUM_PATH');
  const fx = await startDashboardFixture();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    const token = await fx.cluster.token();
    const base = `${fx.proxyUrl}/v1/AUTH_test/many`;
    const put = await fetch(base, { method: 'PUT', headers: { 'x-auth-token': token } });
    if (put.status !== 201) throw new Error(`PUT container: ${put.status}`);
    await putMany(base, token, objects, 5);
    const page = await (await browser.newContext({ viewport: { width: 1100, height: 700 } })).newPage();
    const url = fx.dashboard.url;
    await page.goto(`${url}/login`);
    await page.getByLabel('User').fill('test:tester');
    await page.getByLabel('Key').fill('testing');
    await Promise.all([page.waitForURL(`${url}/objects`), page.getByRole('button', { name: 'Log in' }).click()]);
    const render: number[] = [], fetchMs: number[] = [], shown: number[] = [];
    const load0 = loadavg()[0];
    for (let i = 0; i < loads; i++) {
      await page.goto(`${url}/objects?container=many`);
      const body = page.locator('.page-body[data-render-ms]');
      await body.waitFor();
      const rows = await page.locator('tbody tr').count();
      if (rows !== Math.min(objects, 1000)) throw new Error(`the page shows ${rows} rows`);
      const [r, f, s] = await Promise.all(['data-render-ms', 'data-fetch-ms', 'data-shown-ms'].map(async (a) => Number(await body.getAttribute(a))));
      render.push(r); fetchMs.push(f); shown.push(s);
    }
    const median = [...render].sort((a, b) => a - b)[Math.floor(render.length / 2)];
    process.stdout.write([
      `page of ${Math.min(objects, 1000)} objects (container of ${objects}), ${loads} loads, load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}`,
      `  render (listing answered → rows painted): ${stats(render)}`,
      `  listing requests:                        ${stats(fetchMs)}`,
      `  navigation start → rows painted:         ${stats(shown)}`,
      median < 1000 ? '  median render under 1 s: ok' : `  median render ${median} ms: NOT under 1 s`,
    ].join('\n') + '\n');
    return median < 1000 ? 0 : 1;
  } finally {
    await browser.close();
    await fx.stop();
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
