/**
 * The dashboard's cluster and compute views in Chromium, over the rig's
 * cluster (one of its container servers stopped: the cluster page shows it
 * down), its proxy and an object-replicator with their /metrics (the rings
 * come from the daemons' metrics), and a compute cloud with the fake driver
 * taking the cluster's tempauth tokens: a server is booted and deleted from
 * the page. Every control of the cluster page is labelled, and it loads
 * under 300 KB of script. Screenshots: cluster, compute.
 *
 * Stops a container server of the rig's cluster for good: run it last.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { silentLogger } from '../../../common/index.js';
import { daemons, startDaemon } from '../../../consistency/index.js';
import { dashboardConfigFrom, startDashboard, type DashboardServer } from '../../../dashboard/index.js';
import type { BrowserRig } from '../../helpers/browser-rig.js';
import { scriptBytesOf, unlabelledControls } from '../../helpers/chromium.js';
import { startTestCloud, type TestCloud } from '../../helpers/compute-cloud.js';
import { freePort } from '../../helpers/swift-cluster.js';

export function clusterViewSuite(rig: BrowserRig): void {
  describe('the cluster and compute views', () => {
    let cloud: TestCloud | undefined;
    let dashboard: DashboardServer | undefined;
    let page: Page;
    const stopDaemons = new AbortController();
    let daemon: Promise<void> | undefined;

    before(async () => {
      const { cluster, proxyUrl } = rig;
      const daemonMetrics = await freePort();
      const node = cluster.node('object', 0);
      daemon = startDaemon(daemons['object-replicator'].factory, 'object-replicator', {
        devices: join(cluster.dir, 'node0'), mount_check: 'false', swift_dir: cluster.swiftDir, bind_ip: '127.0.0.1', bind_port: String(node.port),
        recon_cache_path: join(cluster.dir, 'recon0'), interval: '600', metrics_bind_port: String(daemonMetrics),
      }, { signal: stopDaemons.signal, logger: silentLogger });
      cloud = await startTestCloud({ config: { auth: { strategy: 'tempauth', proxyUrl, adminProjects: ['admin'], resellerPrefix: 'AUTH' } } });
      const config = dashboardConfigFrom({
        bind_ip: '127.0.0.1', bind_port: '0', proxy_url: proxyUrl, compute_url: cloud.url, metrics_interval: '1',
        recon_hosts: cluster.nodes.map((n) => `127.0.0.1:${n.port}`).join(', '),
        metrics_urls: `proxy-server=http://127.0.0.1:${rig.proxyMetricsPort}/metrics, daemons=http://127.0.0.1:${daemonMetrics}/metrics`,
      });
      dashboard = await startDashboard(config, { logger: silentLogger });
      page = await rig.newPage();
      await rig.login(page, dashboard.url, 'admin:admin', 'admin');
    });

    after(async () => {
      await page?.context().close();
      await dashboard?.close();
      stopDaemons.abort();
      await daemon;
      await cloud?.close();
    });

    it('shows the rings, the servers and a stopped one as down', async () => {
      const { cluster } = rig;
      const stopped = cluster.node('container', 2);
      await cluster.stopNode(stopped);
      await page.goto(`${dashboard!.url}/cluster`);
      const row = page.locator('tr', { has: page.locator('td', { hasText: `127.0.0.1:${stopped.port}` }) }).first();
      await row.locator('.badge.down').waitFor({ timeout: 20_000 });
      // On a loaded machine a live server may miss recon's 5 s once: ask again until only the stopped one is down.
      for (let i = 0; i < 10 && (await page.locator('.badge.down').count()) !== 1; i++) {
        await page.click('text=Refresh now');
        await page.waitForTimeout(1000);
      }
      assert.equal(await page.locator('.badge.down').count(), 1, 'only the stopped server is down');
      assert.equal(await page.locator('#servers-h').innerText(), `Storage servers (${cluster.nodes.length - 1} up, 1 down)`);
      // The kinds and rings came from the daemons' /metrics: three rings of three devices.
      await page.locator('#rings-h').waitFor();
      assert.equal(await page.locator('.ring').count(), 3);
      assert.match(await page.locator('.ring h3').first().innerText(), /^account: 64 partitions, 3 replicas, balance 0\.00, dispersion 0\.00$/);
      assert.equal(await row.locator('td').nth(1).innerText(), 'container');
      assert.ok(await page.locator('svg.chart').count() >= 3, 'disk usage, request rate and latency charts');
      await rig.screenshot(page, 'dashboard-cluster', { fullPage: true });
      assert.deepEqual(await unlabelledControls(page), []);
      const bytes = await scriptBytesOf(page.context(), `${dashboard!.url}/cluster`, '#rings-h');
      console.log(`# script loaded by /cluster: ${(bytes / 1024).toFixed(1)} KiB`);
      assert.ok(bytes > 5_000 && bytes < 300 * 1024, `/cluster: ${bytes} bytes of script`);
    });

    it('boots a server with the fake driver, shows it ACTIVE without reloading, and deletes it after confirmation', async () => {
      await page.goto(`${dashboard!.url}/compute`);
      await page.locator('#boot-image option').first().waitFor({ state: 'attached' });
      await page.fill('#boot-name', 'web-1');
      await page.click('form.boot button[type=submit]');
      const row = page.locator('#servers tr', { has: page.locator('td .name', { hasText: 'web-1' }) });
      await row.locator('[data-status="ACTIVE"]').waitFor({ timeout: 20_000 });
      assert.match(await row.innerText(), /m1\.\w+|\d/);
      await rig.screenshot(page, 'dashboard-compute', { fullPage: true });
      await row.locator('button[aria-label="Delete web-1"]').click();
      await page.locator('dialog button[value=ok]').click();
      await row.waitFor({ state: 'detached', timeout: 20_000 });
      const token = await rig.cluster.token('admin:admin', 'admin');
      const left = await fetch(`${cloud!.url}/v2.1/servers`, { headers: { 'x-auth-token': token } });
      assert.deepEqual(((await left.json()) as { servers: unknown[] }).servers, []);
    });
  });
}
