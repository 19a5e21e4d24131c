/**
 * The compute view's actions clicked in Chromium: the image API storing
 * images in the rig's cluster, a compute cloud with the fake driver reading
 * them, and a dashboard over both, logged in as a tempauth user. Uploads an
 * image (its progress bar ends full and it appears, active), boots a server
 * from it, reads its console log, reboots, stops and starts it (the status
 * changes on the page without a reload), snapshots it (the new image
 * appears), creates, imports and deletes key pairs, and deletes the server
 * after a confirmation (Cancel keeps it). Also: every control is labelled
 * and Tab reaches them, and the page loads under 300 KB of script.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { silentLogger } from '../../../common/index.js';
import { startImageService, type ImageServiceHandle } from '../../../compute/index.js';
import { generateSshKeyPair, sshFingerprint } from '../../../compute/network/index.js';
import { dashboardConfigFrom, startDashboard, type DashboardServer } from '../../../dashboard/index.js';
import type { BrowserRig } from '../../helpers/browser-rig.js';
import { scriptBytesOf, tabReach, unlabelledControls } from '../../helpers/chromium.js';
import { startTestCloud, type TestCloud } from '../../helpers/compute-cloud.js';

const MiB = 1024 * 1024;
/** Status changes show within a poll (3 s) plus the fake driver's steps; generous for a loaded machine. */
const LIVE = { timeout: 20_000 };

export function computeActionsSuite(rig: BrowserRig): void {
  describe('the compute view\'s actions', () => {
    let images: ImageServiceHandle | undefined;
    let cloud: TestCloud | undefined;
    let dashboard: DashboardServer | undefined;
    let page: Page;
    let work: string;
    let token: string;
    let url: string;

    const nova = async <T>(path: string): Promise<T> => {
      const res = await fetch(`${cloud!.url}/v2.1${path}`, { headers: { 'x-auth-token': token } });
      assert.equal(res.status, 200, path);
      return (await res.json()) as T;
    };
    const glanceImages = async (): Promise<{ name: string; status: string; size: number | null }[]> => {
      const res = await fetch(`${images!.url}/v2/images`, { headers: { 'x-auth-token': token } });
      return ((await res.json()) as { images: { name: string; status: string; size: number | null }[] }).images;
    };
    const serverRow = (name: string): Locator => page.locator('#servers tbody tr', { has: page.locator('td .name', { hasText: name }) });
    const imageRow = (name: string): Locator => page.locator('#images tbody tr', { has: page.getByRole('cell', { name, exact: true }) });
    const keyRow = (name: string): Locator => page.locator('#keypairs tbody tr', { has: page.getByRole('cell', { name, exact: true }) });

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'dashboard-compute-'));
      const { cluster, proxyUrl } = rig;
      const auth = { strategy: 'tempauth' as const, proxyUrl, adminProjects: ['admin'], resellerPrefix: 'AUTH' };
      images = await startImageService({
        config: {
          bindHost: '127.0.0.1', bindPort: 0, dbPath: join(work, 'images.sqlite'), auth,
          store: { authUrl: cluster.authUrl, user: 'admin:admin', key: 'admin', container: 'glance', largeObjectSize: 64 * MiB, largeObjectChunkSize: 16 * MiB },
        },
        logger: silentLogger,
      });
      cloud = await startTestCloud({ config: { auth, glance: { apiServer: images.url, authUrl: cluster.authUrl, user: 'admin:admin', key: 'admin' } } });
      dashboard = await startDashboard(dashboardConfigFrom({ bind_ip: '127.0.0.1', bind_port: '0', proxy_url: proxyUrl, compute_url: cloud.url, image_url: images.url }), { logger: silentLogger });
      url = dashboard.url;
      token = await cluster.token('test:tester', 'testing');
      page = await rig.newPage();
      await rig.login(page, url, 'test:tester', 'testing');
      await page.goto(`${url}/compute`);
      await page.getByRole('heading', { name: 'Upload an image' }).waitFor();
      // Set once: still there at the end means no test below reloaded the page.
      await page.evaluate('window.sameDocument = true');
    });

    after(async () => {
      await page?.context().close();
      await dashboard?.close();
      await cloud?.close();
      await images?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('uploads an image: the progress bar ends full, the image appears active and can be chosen to boot', async () => {
      const data = randomBytes(4 * MiB);
      const file = join(work, 'tiny-os.raw');
      writeFileSync(file, data);
      await page.getByLabel('File').setInputFiles(file);
      await page.getByLabel('Name', { exact: true }).and(page.locator('#image-name')).fill('tiny-os');
      // 4 MiB/s from the browser: a second of upload, so the bar has steps between 0 and the end to show.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 4 * MiB });
      const bar = page.getByRole('progressbar', { name: 'Upload progress' });
      const seen = new Set<number>();
      try {
        await page.getByRole('button', { name: 'Upload', exact: true }).click();
        for (let i = 0; i < 600 && !/uploaded/.test(await page.locator('#image-note').innerText()); i++) {
          seen.add(Number(await bar.getAttribute('value')));
          await page.waitForTimeout(50);
        }
      } finally {
        await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
        await cdp.detach();
      }
      assert.match(await page.locator('#image-note').innerText(), /^uploaded 4\.0 MiB$/);
      assert.deepEqual([await bar.getAttribute('value'), await bar.getAttribute('max')], [String(data.length), String(data.length)], 'the bar ends full');
      assert.ok([...seen].some((v) => v > 0 && v < data.length), `the bar moved through values between 0 and the end: ${[...seen].join(',')}`);
      await imageRow('tiny-os').getByRole('cell', { name: 'active' }).waitFor(LIVE);
      assert.match(await imageRow('tiny-os').innerText(), /4\.0 MiB/);
      // Once the list has the image, the form still says how the upload ended.
      assert.equal(await bar.getAttribute('value'), String(data.length), 'the bar stays full');
      assert.equal(await page.locator('#image-note').innerText(), 'uploaded 4.0 MiB');
      assert.deepEqual((await glanceImages()).map((i) => [i.name, i.status, i.size]), [['tiny-os', 'active', data.length]]);
      assert.equal(await page.locator('#boot-image option', { hasText: 'tiny-os' }).count(), 1, 'the boot form offers the new image');
    });

    it('boots a server from it; its status turns ACTIVE on the page', async () => {
      await page.locator('#boot-name').fill('web-1');
      await page.locator('#boot-image').selectOption({ label: 'tiny-os' });
      await page.getByRole('button', { name: 'Boot', exact: true }).click();
      await serverRow('web-1').locator('[data-status="ACTIVE"]').waitFor(LIVE);
      assert.match(await serverRow('web-1').innerText(), /tiny-os/);
    });

    it('shows the console log', async () => {
      await page.getByRole('button', { name: 'Console log web-1' }).click();
      const dialog = page.getByRole('dialog', { name: 'Console log of web-1' });
      await dialog.waitFor();
      assert.match(await dialog.locator('pre').innerText(), /Linux version .* boot 1[\s\S]*login: web-1 is up/);
      await dialog.getByRole('button', { name: 'Close' }).click();
      await dialog.waitFor({ state: 'detached' });
    });

    it('reboots: the compute API records it, the server is ACTIVE again, and its console shows the restart', async () => {
      const id = (await nova<{ servers: { id: string; name: string }[] }>('/servers')).servers.find((s) => s.name === 'web-1')!.id;
      await page.getByRole('button', { name: 'Reboot web-1' }).click();
      await page.getByText('Reboot: asked for web-1').waitFor();
      await serverRow('web-1').locator('[data-status="ACTIVE"]').waitFor(LIVE);
      for (let i = 0; i < 100 && (await nova<{ server: { 'OS-EXT-STS:task_state': string | null } }>(`/servers/${id}`)).server['OS-EXT-STS:task_state']; i++) await page.waitForTimeout(100);
      const actions = await nova<{ instanceActions: { action: string }[] }>(`/servers/${id}/os-instance-actions`);
      assert.ok(actions.instanceActions.some((a) => a.action === 'reboot'), JSON.stringify(actions));
      await page.getByRole('button', { name: 'Console log web-1' }).click();
      const dialog = page.getByRole('dialog', { name: 'Console log of web-1' });
      assert.match(await dialog.locator('pre').innerText(), /reboot: Restarting system[\s\S]*boot 2/);
      await dialog.getByRole('button', { name: 'Close' }).click();
    });

    it('stops and starts: SHUTOFF, then ACTIVE, without reloading', async () => {
      await page.getByRole('button', { name: 'Stop web-1' }).click();
      await serverRow('web-1').locator('[data-status="SHUTOFF"]').waitFor(LIVE);
      await page.getByRole('button', { name: 'Start web-1' }).waitFor(LIVE);
      assert.equal(await page.getByRole('button', { name: 'Stop web-1' }).count(), 0);
      await page.getByRole('button', { name: 'Start web-1' }).click();
      await serverRow('web-1').locator('[data-status="ACTIVE"]').waitFor(LIVE);
      await page.getByRole('button', { name: 'Stop web-1' }).waitFor(LIVE);
      assert.equal(await page.evaluate('window.sameDocument'), true, 'the page was not reloaded');
    });

    it('snapshots the server: the new image appears, then turns active', async () => {
      await page.getByRole('button', { name: 'Snapshot web-1' }).waitFor(LIVE);
      await page.locator('#servers button[aria-label="Snapshot web-1"]:not([disabled])').waitFor(LIVE);
      await page.getByRole('button', { name: 'Snapshot web-1' }).click();
      const dialog = page.getByRole('dialog', { name: 'Snapshot web-1' });
      await dialog.getByLabel('Image name').fill('web-1-monday');
      await dialog.getByRole('button', { name: 'Snapshot' }).click();
      await imageRow('web-1-monday').waitFor(LIVE);
      await imageRow('web-1-monday').getByRole('cell', { name: 'active' }).waitFor(LIVE);
      assert.ok((await glanceImages()).some((i) => i.name === 'web-1-monday' && i.status === 'active'));
      assert.equal(await page.locator('#boot-image option', { hasText: 'web-1-monday' }).count(), 1, 'the boot form offers the snapshot');
    });

    it('creates a key pair (its private key shown once), imports one, deletes one after a confirmation', async () => {
      await page.locator('#key-name').fill('laptop');
      await page.getByRole('button', { name: 'Add key pair' }).click();
      const shown = page.getByRole('dialog', { name: 'Private key of laptop' });
      assert.match(await shown.getByLabel('private key').inputValue(), /^-----BEGIN (OPENSSH|RSA) PRIVATE KEY-----/);
      await shown.getByRole('button', { name: 'Done' }).click();
      await keyRow('laptop').waitFor();

      const pair = generateSshKeyPair();
      await page.locator('#key-name').fill('imported');
      await page.locator('#key-public').fill(pair.publicKey);
      await page.getByRole('button', { name: 'Add key pair' }).click();
      await keyRow('imported').waitFor();
      assert.equal(await page.getByRole('dialog').count(), 0, 'no private key for an imported one');
      assert.match(await keyRow('imported').innerText(), new RegExp(sshFingerprint(pair.publicKey)));
      assert.equal(await page.locator('#boot-key option', { hasText: 'imported' }).count(), 1, 'the boot form offers it');

      await page.getByRole('button', { name: 'Delete key pair laptop' }).click();
      await page.getByRole('dialog', { name: 'Delete key pair' }).getByRole('button', { name: 'Delete' }).click();
      await keyRow('laptop').waitFor({ state: 'detached' });
      const left = await nova<{ keypairs: { keypair: { name: string } }[] }>('/os-keypairs');
      assert.deepEqual(left.keypairs.map((k) => k.keypair.name), ['imported']);
    });

    it('every control has a name and Tab reaches the actions; under 300 KB of script', async () => {
      assert.deepEqual(await unlabelledControls(page), []);
      await page.locator('#main').focus();
      const reached = await tabReach(page, 60);
      for (const name of ['Console log web-1', 'Stop web-1', 'Delete web-1', 'boot-name', 'Boot', 'Upload', 'Delete key pair imported']) {
        assert.ok(reached.has(name), `Tab reaches ${name}: ${[...reached].join(' | ')}`);
      }
      const bytes = await scriptBytesOf(page.context(), `${url}/compute`, '#servers');
      console.log(`# script loaded by /compute: ${(bytes / 1024).toFixed(1)} KiB`);
      assert.ok(bytes > 5_000 && bytes < 300 * 1024, `/compute: ${bytes} bytes of script`);
    });

    it('deletes the server only after the confirmation (Cancel keeps it)', async () => {
      await page.getByRole('button', { name: 'Delete web-1' }).click();
      await page.getByRole('dialog', { name: 'Delete server' }).getByRole('button', { name: 'Cancel' }).click();
      await page.waitForTimeout(500);
      assert.equal((await nova<{ servers: unknown[] }>('/servers')).servers.length, 1, 'Cancel kept it');
      await page.getByRole('button', { name: 'Delete web-1' }).click();
      await page.getByRole('dialog', { name: 'Delete server' }).getByRole('button', { name: 'Delete' }).click();
      await serverRow('web-1').waitFor({ state: 'detached', ...LIVE });
      assert.deepEqual((await nova<{ servers: unknown[] }>('/servers')).servers, []);
      assert.equal(await page.evaluate('window.sameDocument'), true, 'the page was not reloaded');
    });
  });
}
