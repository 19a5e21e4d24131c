/**
 * Who may see the cluster view: a reseller admin (tempauth's
 * `.reseller_admin`), the operator. Asked of the proxy the only way its
 * public API tells: a reseller admin may HEAD another account of its
 * reseller prefix, anyone else gets 403. Remembered per session.
 */
import { request } from 'undici';
import type { Session } from '../session.js';
import type { SwiftClient } from '../swift-client.js';

const PROBE_ACCOUNT = 'dashboard-admin-probe';

export class AdminCheck {
  private readonly known = new Map<string, boolean>();

  constructor(private readonly swift: SwiftClient) {}

  async isAdmin(session: Session): Promise<boolean> {
    const cached = this.known.get(session.id);
    if (cached !== undefined) return cached;
    // `/v1/AUTH_test` → `/v1/AUTH_`: the reseller prefix ends at its first underscore.
    const m = /^(\/v1\/[^/_]*_)/.exec(session.storagePath);
    let admin = false;
    if (m && `${m[1]}${PROBE_ACCOUNT}` !== session.storagePath) {
      const res = await request(`${this.swift.proxyUrl}${m[1]}${PROBE_ACCOUNT}`, {
        method: 'HEAD', dispatcher: this.swift.dispatcher, headers: { 'x-auth-token': session.token },
      });
      await res.body.dump();
      admin = res.statusCode < 400 || res.statusCode === 404;
    }
    if (this.known.size > 10_000) this.known.clear();
    this.known.set(session.id, admin);
    return admin;
  }
}
