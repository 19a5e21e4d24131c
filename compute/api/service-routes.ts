/**
 * `os-services` (Nova 2.1, admin only): every service that registered in the
 * state DB with its `state` — `up` while its last heartbeat (each
 * `report_interval`) is within `service_down_time`, as the scheduler sees it
 * — and its `status` (enabled/disabled). Filters: `?host=`, `?binary=`.
 */
import type { FastifyInstance } from 'fastify';
import type { ServiceRecord } from '../model.js';
import { serviceIsUp } from '../service/index.js';
import { HttpFault, type RouteDeps } from './app.js';

const COMPUTE_BINARY = 'swiftly-compute';

/** Nova's view: compute services are in their availability zone, the others in `internal` (internal_service_availability_zone). */
export function serviceView(s: ServiceRecord, downTimeMs: number, now = Date.now()): Record<string, unknown> {
  return {
    id: s.id, binary: s.binary, host: s.host,
    zone: s.binary === COMPUTE_BINARY ? s.availability_zone : 'internal',
    status: s.disabled ? 'disabled' : 'enabled',
    state: serviceIsUp(s.last_seen_up, downTimeMs, now) ? 'up' : 'down',
    updated_at: s.updated_at, disabled_reason: s.disabled_reason,
  };
}

export function registerServiceRoutes(app: FastifyInstance, d: RouteDeps): void {
  app.get('/os-services', async (req) => {
    if (!d.ctx(req).principal.isAdmin) throw new HttpFault(403, `Policy doesn't allow os_compute_api:os-services:list to be performed.`);
    const q = req.query as { host?: string; binary?: string };
    const rows = (await d.db.listServices(q.binary || undefined)).filter((s) => !q.host || s.host === q.host);
    const now = Date.now();
    return { services: rows.map((s) => serviceView(s, d.serviceDownTimeMs ?? 60_000, now)) };
  });
}
