/**
 * The cluster view (admins only): rings, every storage server's disks,
 * replication, async pendings and quarantined counts from its /recon, the
 * proxy's error-limited nodes, and each server's request rate and latency
 * over the last hour, sampled by this server from every /metrics URL.
 */
import type { DashboardPage } from './page.js';
import { AdminCheck } from '../cluster/admin-check.js';
import { clusterState } from '../cluster/cluster-state.js';
import { MetricsSampler } from '../cluster/metrics-sampler.js';

export const clusterPage: DashboardPage = {
  id: 'cluster',
  title: 'Cluster',
  script: 'cluster.js',
  async routes(app, ctx) {
    const sampler = new MetricsSampler({ urls: ctx.config.metricsUrls, intervalMs: ctx.config.metricsIntervalMs });
    const admins = new AdminCheck(ctx.swift);
    sampler.start();
    app.addHook('onClose', async () => sampler.stop());
    app.get('/state', async (request, reply) => {
      if (!(await admins.isAdmin(request.session!))) return reply.code(403).send({ error: 'the cluster view is for reseller admins' });
      // A first visit right after start: have at least one round of samples.
      if (![...sampler.series.values()].some((s) => s.points.length)) await sampler.sampleOnce();
      return clusterState(sampler, ctx.config.reconHosts);
    });
  },
};
