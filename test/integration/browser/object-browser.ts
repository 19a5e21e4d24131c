/**
 * The object browser in Chromium, against the dashboard over the rig's
 * cluster. Logs in, creates a container, uploads a 3 MB file (as segments
 * + an SLO manifest: segment_size is 1 MiB here) while its progress bar
 * goes through every segment to the end, cancels an upload in the middle
 * (upload bandwidth throttled so a segment is in flight), uploads a folder
 * and browses into it, edits metadata, shares a link that a plain HTTP
 * client then fetches, turns public read on and off (anonymous GETs
 * follow), lists versions, deletes a folder, and renders a page of 1,000
 * objects (its speed is `npm run bench:dashboard`'s), with under 300 KB of
 * script. Screenshots: login, objects, share, containers.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { silentLogger } from '../../../common/index.js';
import { dashboardConfigFrom, startDashboard, type DashboardServer } from '../../../dashboard/index.js';
import { scriptBytesOf, unlabelledControls } from '../../helpers/chromium.js';
import type { BrowserRig } from '../../helpers/browser-rig.js';

const MiB = 1024 * 1024;

/**
 * From now until the page goes away, every value the upload progress bars
 * take (the bar's `value` attribute, which its property reflects), by the
 * bar's label: nothing is missed between two polls, and nothing polls.
 */
async function recordBarValues(page: Page): Promise<(label: string) => Promise<number[]>> {
  await page.locator('ul.uploads').waitFor({ state: 'attached' });
  await page.evaluate(`{
    const seen = window.barValues = {};
    new MutationObserver((changes) => {
      for (const { target } of changes) (seen[target.getAttribute('aria-label')] ??= []).push(Number(target.getAttribute('value')));
    }).observe(document.querySelector('ul.uploads'), { subtree: true, attributes: true, attributeFilter: ['value'] });
  }`);
  return (label) => page.evaluate<number[]>(`window.barValues[${JSON.stringify(label)}] ?? []`);
}

export function objectBrowserSuite(rig: BrowserRig): void {
  describe('the object browser', () => {
    let dashboard: DashboardServer;
    let page: Page;
    let url: string;
    let token: string;
    let work: string;
    const account = (path: string): string => `${rig.proxyUrl}/v1/AUTH_test${path}`;

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'dashboard-browser-'));
      dashboard = await startDashboard(dashboardConfigFrom({ bind_ip: '127.0.0.1', bind_port: '0', proxy_url: rig.proxyUrl, segment_size: String(MiB) }), { logger: silentLogger });
      url = dashboard.url;
      token = await rig.cluster.token();
      page = await rig.newPage({ width: 1100, height: 700 });
    });

    after(async () => {
      await page?.context().close();
      await dashboard?.close();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('logs in with tempauth credentials', async () => {
      await page.goto(`${url}/objects`);
      assert.equal(new URL(page.url()).pathname, '/login');
      await page.getByLabel('User').fill('test:tester');
      await page.getByLabel('Key').fill('testing');
      await rig.screenshot(page, 'dashboard-login');
      await Promise.all([page.waitForURL(`${url}/objects`), page.getByRole('button', { name: 'Log in' }).click()]);
      await page.getByRole('heading', { name: 'Containers' }).waitFor();
      const cookies = await page.context().cookies();
      assert.deepEqual(cookies.map((c) => [c.name, c.httpOnly, c.sameSite]), [['swiftly_dashboard', true, 'Strict']]);
    });

    it('creates a container', async () => {
      await page.getByLabel('New container').fill('photos');
      await Promise.all([page.waitForURL(/container=photos/), page.getByRole('button', { name: 'Create' }).click()]);
      await page.getByText('This container is empty.').waitFor();
      assert.equal((await fetch(account('/photos'), { method: 'HEAD', headers: { 'x-auth-token': token } })).status, 204);
    });

    it('uploads a 3 MB file as an SLO while its progress bar goes to the end', async () => {
      const big = randomBytes(3 * 1000 * 1000);
      const file = join(work, 'big.bin');
      writeFileSync(file, big);
      const barValues = await recordBarValues(page);
      await page.locator('#upload-files').setInputFiles(file);
      const bar = page.getByRole('progressbar', { name: 'upload of big.bin' });
      const row = page.locator('ul.uploads li[data-name="big.bin"]');
      await row.and(page.locator('[data-state]')).waitFor({ timeout: 60_000 });
      assert.equal(await row.getAttribute('data-state'), 'done', await row.textContent() ?? '');
      assert.deepEqual([await bar.getAttribute('value'), await bar.getAttribute('max')], [String(big.length), String(big.length)], 'the bar ends full');
      const seen = await barValues('upload of big.bin');
      // Each segment's start at least: 1 MiB and 2 MiB sent.
      const between = seen.filter((v) => v > 0 && v < big.length);
      assert.ok(new Set(between.map((v) => Math.floor(v / MiB))).size >= 2, `the bar moved through values between 0 and the end: ${seen.join(',')}`);
      await page.locator('tr[data-name="big.bin"]').waitFor();
      await rig.screenshot(page, 'dashboard-objects');
      const head = await fetch(account('/photos/big.bin'), { method: 'HEAD', headers: { 'x-auth-token': token } });
      assert.equal(head.headers.get('x-static-large-object'), 'True');
      assert.equal(head.headers.get('content-length'), String(big.length));
      const got = await fetch(account('/photos/big.bin'), { headers: { 'x-auth-token': token } });
      assert.equal(createHash('md5').update(Buffer.from(await got.arrayBuffer())).digest('hex'), createHash('md5').update(big).digest('hex'));
      const segs = (await (await fetch(account('/photos_segments?format=json'), { headers: { 'x-auth-token': token } })).json()) as unknown[];
      assert.equal(segs.length, 3);
    });

    it('cancels an upload with a segment in flight: no object, no segments left', async () => {
      const file = join(work, 'cancel-me.bin');
      writeFileSync(file, randomBytes(5 * MiB));
      // 1 MiB/s from the browser: the first segment takes a second, the rest four more; Cancel lands in between.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: MiB });
      try {
        await page.locator('#upload-files').setInputFiles(file);
        const bar = page.getByRole('progressbar', { name: 'upload of cancel-me.bin' });
        for (let i = 0; i < 1200 && !(Number(await bar.getAttribute('value')) > MiB); i++) await page.waitForTimeout(50);
        assert.ok(Number(await bar.getAttribute('value')) > MiB, 'the first segment went up');
        const row = page.locator('ul.uploads li[data-name="cancel-me.bin"]');
        await row.getByRole('button', { name: 'Cancel upload of cancel-me.bin' }).click();
        await page.locator('ul.uploads li[data-name="cancel-me.bin"][data-state]').waitFor();
        assert.equal(await row.getAttribute('data-state'), 'cancelled');
      } finally {
        await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
        await cdp.detach();
      }
      // The dashboard aborted the proxy's PUT of the segment in flight and the page deleted the one sent.
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await fetch(account('/photos/cancel-me.bin'), { method: 'HEAD', headers: { 'x-auth-token': token } })).status, 404);
      const segs = (await (await fetch(account('/photos_segments?format=json&prefix=cancel-me.bin/'), { headers: { 'x-auth-token': token } })).json()) as unknown[];
      assert.deepEqual(segs, []);
    });

    it('uploads a folder and browses into it', async () => {
      const dir = join(work, 'album');
      mkdirSync(join(dir, 'inner'), { recursive: true });
      writeFileSync(join(dir, 'a.txt'), 'photo a\n');
      writeFileSync(join(dir, 'inner', 'b.txt'), 'photo b\n');
      await page.reload();
      await page.locator('#upload-folder').setInputFiles(dir);
      await page.locator('ul.uploads li[data-name="album/inner/b.txt"][data-state="done"]').waitFor();
      await page.locator('ul.uploads li[data-name="album/a.txt"][data-state="done"]').waitFor();
      // The listing shows new objects once the container servers have them (an update may be late on a busy machine).
      for (let i = 0; i < 30 && !(await page.getByRole('link', { name: 'album/' }).count()); i++) {
        await new Promise((r) => setTimeout(r, 1000));
        await page.reload();
      }
      await Promise.all([page.waitForURL(/prefix=album%2F/), page.getByRole('link', { name: 'album/' }).click()]);
      await page.getByRole('link', { name: 'a.txt' }).waitFor();
      await page.getByRole('link', { name: 'inner/' }).waitFor();
      assert.deepEqual(await page.getByRole('navigation', { name: 'Breadcrumbs' }).getByRole('listitem').allTextContents(), ['Containers', 'photos', 'album']);
      const download = await page.request.get(`${url}/api/swift/photos/album/a.txt?download`);
      assert.equal(await download.text(), 'photo a\n');
      assert.match(download.headers()['content-disposition'], /attachment/);
    });

    it('edits metadata', async () => {
      const row = page.locator('tr[data-name="album/a.txt"]');
      await row.getByRole('button', { name: 'Metadata' }).click();
      await page.getByRole('button', { name: 'Add metadata' }).click();
      await page.getByLabel('metadata name').last().fill('Camera');
      await page.getByLabel('metadata value').last().fill('pinhole');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Saved the metadata of album/a.txt').waitFor();
      const head = await fetch(account('/photos/album/a.txt'), { method: 'HEAD', headers: { 'x-auth-token': token } });
      assert.equal(head.headers.get('x-object-meta-camera'), 'pinhole');
    });

    it('shares a link that a plain HTTP client can fetch', async () => {
      await page.locator('tr[data-name="album/a.txt"]').getByRole('button', { name: 'Share' }).click();
      await page.getByLabel('Link works for').selectOption({ label: '1 hour' });
      await page.getByRole('button', { name: 'Make link' }).click();
      const link = await page.locator('#share-url').inputValue();
      await rig.screenshot(page, 'dashboard-share');
      assert.match(link, new RegExp(`^${rig.proxyUrl}/v1/AUTH_test/photos/album/a.txt\\?temp_url_sig=[0-9a-f]{64}&temp_url_expires=\\d+$`));
      const expires = Number(new URL(link).searchParams.get('temp_url_expires'));
      assert.ok(Math.abs(expires - (Date.now() / 1000 + 3600)) < 120, 'expires in the hour chosen');
      const res = await fetch(link);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'photo a\n');
      await page.getByRole('button', { name: 'Close' }).click();
    });

    it('turns public read on and off; anonymous GETs follow', async () => {
      const anonymous = async (): Promise<number> => {
        const res = await fetch(account('/photos/album/a.txt'));
        await res.arrayBuffer();
        return res.status;
      };
      assert.equal(await anonymous(), 401);
      await page.getByRole('button', { name: 'Public read: off' }).click();
      await page.getByRole('button', { name: 'Public read: on' }).waitFor();
      assert.equal(await anonymous(), 200);
      await page.getByRole('button', { name: 'Public read: on' }).click();
      await page.getByRole('button', { name: 'Public read: off' }).waitFor();
      assert.equal(await anonymous(), 401);
    });

    it('turns versioning on and lists an object\'s versions', async () => {
      await page.getByRole('button', { name: 'Versioning: off' }).click();
      await page.getByRole('button', { name: 'Versioning: on' }).waitFor();
      const put = await fetch(account('/photos/album/a.txt'), { method: 'PUT', headers: { 'x-auth-token': token }, body: 'photo a, take 2\n' });
      assert.equal(put.status, 201);
      await page.reload();
      await page.locator('tr[data-name="album/a.txt"]').getByRole('button', { name: 'Versions' }).click();
      const dialog = page.getByRole('dialog', { name: 'Versions of album/a.txt' });
      await dialog.waitFor();
      assert.equal(await dialog.getByRole('link', { name: 'Download' }).count(), 2);
      await dialog.getByRole('button', { name: 'Close' }).click();
    });

    it('deletes a folder', async () => {
      await page.locator('tr[data-name="album/inner/"]').getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
      await page.getByText('Deleted album/inner/ (1 objects)').waitFor();
      const list = await fetch(account('/photos?format=json&prefix=album/inner/'), { headers: { 'x-auth-token': token } });
      assert.deepEqual(await list.json(), []);
    });

    it('renders a page of 1,000 objects, pages on, with under 300 KB of script per page', async () => {
      assert.equal((await fetch(account('/many'), { method: 'PUT', headers: { 'x-auth-token': token } })).status, 201);
      // More than a page. The rows go straight into the container DBs: the listing is what this test is about.
      await rig.cluster.putListingDirect('AUTH_test', 'many', Array.from({ length: 1100 }, (_, i) => `obj-${String(i).padStart(4, '0')}.txt`));
      // How fast it renders is measured by `npm run bench:dashboard` (speed is a bench's figure, not a test's); here
      // the page must show the 1,000 rows and report its timings.
      await page.goto(`${url}/objects?container=many`);
      const body = page.locator('.page-body[data-render-ms]');
      await body.waitFor();
      const timings = await Promise.all(['data-render-ms', 'data-fetch-ms', 'data-shown-ms'].map(async (a) => Number(await body.getAttribute(a))));
      assert.ok(timings.every((ms) => Number.isFinite(ms) && ms >= 0), `the page reports its timings: ${timings.join(', ')}`);
      assert.equal(await page.locator('tbody tr').count(), 1000);
      // Rows off screen are in the page (find, Tab, screen readers), just not laid out until they scroll near.
      const lastRow = page.locator('tbody tr').last();
      await lastRow.getByRole('button', { name: 'Metadata' }).focus();
      assert.ok(await lastRow.isVisible() && (await lastRow.boundingBox())!.height > 10, 'the last row shows when reached');
      assert.deepEqual(await page.getByRole('table').getByRole('columnheader').allTextContents(), ['Name', 'Size', 'Modified', 'Actions']);
      assert.equal(await page.getByRole('table').getByRole('row').count(), 1001, 'a header row and 1,000 rows, as a table');
      // Paging on: the next page starts after the last name of this one.
      const last = await lastRow.getAttribute('data-name');
      await Promise.all([page.waitForURL(/marker=obj-/), page.getByRole('link', { name: 'Next page' }).click()]);
      await page.locator('.page-body[data-render-ms]').waitFor();
      const next = await page.locator('tbody tr').first().getAttribute('data-name');
      assert.ok(next! > last!, `the next page starts after ${last}: ${next}`);
      assert.equal(await page.locator('tbody tr').count(), 100, 'the other 100');
      await page.goto(`${url}/objects`);
      await page.getByRole('heading', { name: 'Containers' }).waitFor();
      await rig.screenshot(page, 'dashboard-containers');
      for (const path of ['/objects', '/objects?container=photos']) {
        const bytes = await scriptBytesOf(page.context(), `${url}${path}`, '.page-body');
        console.log(`# script loaded by ${path}: ${(bytes / 1024).toFixed(1)} KiB`);
        assert.ok(bytes > 10_000 && bytes < 300 * 1024, `${path}: ${bytes} bytes of script`);
      }
    });

    it('is usable from the keyboard, every control labelled', async () => {
      await page.goto(`${url}/objects?container=photos`);
      await page.locator('.page-body[data-render-ms]').waitFor();
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Skip to content');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate('document.activeElement?.id'), 'main');
      // Tab reaches the upload buttons and the first object's link.
      const reached = new Set<string>();
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        reached.add(await page.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''"));
      }
      for (const name of ['Public read: off', 'Choose files', 'Choose a folder', 'big.bin']) assert.ok(reached.has(name), `Tab reaches ${name}: ${[...reached].join(' | ')}`);
      assert.deepEqual(await unlabelledControls(page), []);
    });
  });
}
