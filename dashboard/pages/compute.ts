/**
 * The compute view: servers (status, addresses, flavor, image, console
 * log, actions), flavors, images (upload with progress) and key pairs, all
 * through the compute and image APIs as the session's user (relayed:
 * `/api/compute/nova/…` → the compute API's `/v2.1/…`, `/api/compute/glance/…`
 * → the image API's `/v2/…`). `/api/compute/settings` says which exist.
 */
import type { DashboardPage } from './page.js';
import { computeRelayRoutes, type RelayTarget } from '../compute-relay.js';

export const computePage: DashboardPage = {
  id: 'compute',
  title: 'Compute',
  script: 'compute.js',
  async routes(app, ctx) {
    const { computeUrl, imageUrl } = ctx.config;
    app.get('/settings', async () => ({ compute: Boolean(computeUrl), images: Boolean(imageUrl) }));
    const targets: RelayTarget[] = [];
    if (computeUrl) targets.push({ prefix: '/nova', base: `${computeUrl}/v2.1` });
    if (imageUrl) targets.push({ prefix: '/glance', base: `${imageUrl}/v2` });
    computeRelayRoutes(app, targets, ctx.swift.dispatcher);
  },
};
