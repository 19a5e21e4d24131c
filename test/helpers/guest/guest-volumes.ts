/**
 * What the real-guest volume tests share: Cinder's API beside compute's (as
 * the cloud's test:tester), a poll, the wait for a key on a guest's console
 * report (the console's tail in the error when it never comes), and the
 * wait for a volume's status.
 */
import { guestReport } from './guest-report.js';
import type { GuestCloud } from './guest-cloud.js';

export type Cinder = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

/** `/v3/{project}…` of the cloud's compute API, as its user. */
export function cinderOf(cloud: GuestCloud): Cinder {
  return async (method, path, body) => {
    const res = await fetch(`${cloud.compute.apiUrl}/v3/${cloud.user.project}${path}`, {
      method, headers: { 'x-auth-token': cloud.user.token, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

/** `fn` every 250 ms until it gives something other than undefined; throws after `ms`. */
export async function poll<T>(what: string, fn: () => Promise<T | undefined>, ms = 180_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The console report of server `id` once it has `key` (an ERROR status throws). */
export async function reported(cloud: GuestCloud, id: string, key: string): Promise<Map<string, string>> {
  let last = '';
  try {
    return await poll(`${key} on the console of ${id}`, async () => {
      const s = (await cloud.nova('GET', `/servers/${id}`)).body.server;
      if (s.status === 'ERROR') throw new Error(`server ${id} failed: ${JSON.stringify(s.fault)}`);
      const c = await cloud.nova('POST', `/servers/${id}/action`, { 'os-getConsoleOutput': {} });
      if (c.status === 200) last = c.body.output as string;
      const rep = c.status === 200 ? guestReport(last) : undefined;
      return rep?.has(key) ? rep : undefined;
    });
  } catch (err) {
    throw new Error(`${(err as Error).message}; console:\n${last.slice(-3000)}`);
  }
}

/** Wait until volume `id` is `want`. */
export function volumeStatus(cinder: Cinder, id: string, want: string): Promise<true> {
  return poll(`volume ${id} ${want}`, async () => ((await cinder('GET', `/volumes/${id}`)).body.volume.status === want ? true : undefined), 60_000);
}
