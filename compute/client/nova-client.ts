/**
 * A small Nova v2.1 client for the CLI: tempauth login, JSON requests with
 * `--debug` lines in the shape `nova --debug` prints (keystoneauth's
 * `REQ: curl …` / `RESP: …` / `RESP BODY: …`), and waiting for a server to
 * settle.
 */
import { createHash } from 'node:crypto';

export interface NovaClientOptions {
  /** `http://host:8774` (the API's root, without /v2.1). */
  computeUrl: string;
  token: string;
  project: string;
  /** Called with each debug line when set. */
  debug?: (line: string) => void;
  /** The API version in the path: `v2.1` (compute, the default) or `v3` (volumes, Cinder's). */
  apiVersion?: 'v2.1' | 'v3';
}

export interface NovaResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** An API error, with Nova's fault message and the request id. */
export class NovaClientError extends Error {
  constructor(readonly status: number, message: string, readonly requestId: string | null) {
    super(`${message} (HTTP ${status}) (Request-ID: ${requestId ?? '-'})`);
    this.name = 'NovaClientError';
  }
}

/** Swift's v1.0 auth: user + key → token, storage URL, and the project (account without the reseller prefix). */
export async function tempauthLogin(authUrl: string, user: string, key: string): Promise<{ token: string; storageUrl: string; project: string }> {
  const res = await fetch(authUrl, { headers: { 'x-auth-user': user, 'x-auth-key': key } });
  await res.arrayBuffer();
  if (res.status < 200 || res.status >= 300) throw new NovaClientError(res.status, `Authentication failed for ${user}`, res.headers.get('x-trans-id'));
  const token = res.headers.get('x-auth-token');
  const storageUrl = res.headers.get('x-storage-url');
  if (!token || !storageUrl) throw new Error('auth answered without X-Auth-Token / X-Storage-Url');
  const account = decodeURIComponent(new URL(storageUrl).pathname.split('/')[2] ?? '');
  return { token, storageUrl, project: account.replace(/^[A-Za-z]+_/, '') };
}

export class NovaClient {
  constructor(private readonly o: NovaClientOptions) {}

  /** A call to compute's API (`/v2.1`), or to the volume API beside it with `api = 'v3'` (Cinder's; the default of a `forVolumes()` client). */
  async request(method: string, path: string, body?: unknown, api: 'v2.1' | 'v3' = this.o.apiVersion ?? 'v2.1'): Promise<NovaResponse> {
    const url = `${this.o.computeUrl.replace(/\/$/, '')}/${api}/${this.o.project}${path}`;
    const headers: Record<string, string> = { 'x-auth-token': this.o.token, accept: 'application/json', 'user-agent': 'swiftly-compute' };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (this.o.debug) {
      const shown = Object.entries(headers).map(([k, v]) => `-H "${k === 'x-auth-token' ? 'X-Auth-Token: {SHA256}' + createHash('sha256').update(v).digest('hex') : `${k}: ${v}`}"`);
      this.o.debug(`REQ: curl -g -i -X ${method} ${url} ${shown.join(' ')}${payload ? ` -d '${payload}'` : ''}`);
    }
    const started = Date.now();
    const res = await fetch(url, { method, headers, body: payload });
    const text = await res.text();
    if (this.o.debug) {
      const h = [...res.headers.entries()].map(([k, v]) => `${k}: ${v}`).join(' ');
      this.o.debug(`RESP: [${res.status}] ${h} (${Date.now() - started} ms)`);
      if (text) this.o.debug(`RESP BODY: ${text}`);
      this.o.debug(`${method} call to compute for ${url} used request id ${res.headers.get('x-compute-request-id')}`);
    }
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (res.status >= 400) {
      const fault = parsed && typeof parsed === 'object' ? Object.values(parsed as Record<string, { message?: string }>)[0] : undefined;
      throw new NovaClientError(res.status, fault?.message ?? String(parsed ?? res.statusText), res.headers.get('x-compute-request-id'));
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }

  /** The same login for Cinder's v3 API (served beside compute's). */
  forVolumes(): NovaClient {
    return new NovaClient({ ...this.o, apiVersion: 'v3' });
  }

  async action(id: string, body: Record<string, unknown>): Promise<NovaResponse> {
    return this.request('POST', `/servers/${encodeURIComponent(id)}/action`, body);
  }

  /** A server by id, or by unique name (as the nova CLI resolves it). */
  async findServer(idOrName: string): Promise<Record<string, any>> {
    try {
      return (await this.request('GET', `/servers/${encodeURIComponent(idOrName)}`)).body.server;
    } catch (err) {
      if (!(err instanceof NovaClientError) || err.status !== 404) throw err;
    }
    const list = (await this.request('GET', `/servers/detail?name=${encodeURIComponent('^' + idOrName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$')}`)).body.servers;
    if (list.length === 1) return list[0];
    throw new Error(list.length === 0 ? `No server with a name or ID of '${idOrName}' exists.` : `Multiple server matches found for '${idOrName}', use an ID to be more specific.`);
  }

  /** A flavor by id or by name. */
  async findFlavor(idOrName: string): Promise<Record<string, any>> {
    try {
      return (await this.request('GET', `/flavors/${encodeURIComponent(idOrName)}`)).body.flavor;
    } catch (err) {
      if (!(err instanceof NovaClientError) || err.status !== 404) throw err;
    }
    const all = (await this.request('GET', '/flavors/detail')).body.flavors as Record<string, any>[];
    const hit = all.find((f) => f.name === idOrName);
    if (!hit) throw new Error(`No flavor with a name or ID of '${idOrName}' exists.`);
    return hit;
  }

  /** An image id by id or name (Nova's image proxy). */
  async findImage(idOrName: string): Promise<string> {
    const all = (await this.request('GET', '/images')).body.images as { id: string; name: string }[];
    const hit = all.find((i) => i.id === idOrName) ?? all.find((i) => i.name === idOrName);
    if (!hit) throw new Error(`No image with a name or ID of '${idOrName}' exists.`);
    return hit.id;
  }

  /** One of `collection`'s items (`os-networks`, `os-security-groups`) by id, or by its unique `label`/`name`. */
  async findIn(collection: 'os-networks' | 'os-security-groups', idOrName: string): Promise<Record<string, any>> {
    const [one, many, field, what] = collection === 'os-networks'
      ? ['network', 'networks', 'label', 'network'] : ['security_group', 'security_groups', 'name', 'security group'];
    try {
      return (await this.request('GET', `/${collection}/${encodeURIComponent(idOrName)}`)).body[one];
    } catch (err) {
      if (!(err instanceof NovaClientError) || err.status !== 404) throw err;
    }
    const hits = ((await this.request('GET', `/${collection}`)).body[many] as Record<string, any>[]).filter((x) => x[field] === idOrName);
    if (hits.length === 1) return hits[0];
    throw new Error(hits.length === 0 ? `No ${what} with a name or ID of '${idOrName}' exists.` : `Multiple ${what} matches found for '${idOrName}', use an ID to be more specific.`);
  }

  /** A floating IP of the project by id or address. */
  /** A volume by id, else by name (exactly one). */
  async findVolume(idOrName: string): Promise<Record<string, any>> {
    try {
      return (await this.request('GET', `/volumes/${encodeURIComponent(idOrName)}`, undefined, 'v3')).body.volume;
    } catch (err) {
      if (!(err instanceof NovaClientError) || err.status !== 404) throw err;
    }
    const hits = ((await this.request('GET', `/volumes/detail?name=${encodeURIComponent(idOrName)}`, undefined, 'v3')).body.volumes as Record<string, any>[]);
    if (hits.length === 0) throw new NovaClientError(404, `No volume with a name or ID of '${idOrName}' exists.`, null);
    if (hits.length > 1) throw new NovaClientError(409, `More than one volume exists with the name '${idOrName}'.`, null);
    return hits[0];
  }

  /**
   * Poll a volume until its status is one of `statuses` (or it is gone,
   * when `statuses` includes `deleted`); an error status ends the wait with
   * an error.
   */
  async waitForVolume(id: string, statuses: string[], options: { intervalMs?: number; timeoutMs?: number; progress?: (v: Record<string, any>) => void } = {}): Promise<Record<string, any>> {
    const end = Date.now() + (options.timeoutMs ?? 3_600_000);
    for (;;) {
      let v: Record<string, any>;
      try {
        v = (await this.request('GET', `/volumes/${id}`, undefined, 'v3')).body.volume;
      } catch (err) {
        if (err instanceof NovaClientError && err.status === 404 && statuses.includes('deleted')) return { id, status: 'deleted' };
        throw err;
      }
      options.progress?.(v);
      if (statuses.includes(v.status)) return v;
      if (/^error/.test(v.status)) throw new Error(`Volume ${id} is in status ${v.status}`);
      if (Date.now() > end) throw new Error(`Timed out waiting for volume ${id} (status ${v.status})`);
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 500));
    }
  }

  async findFloatingIp(idOrAddress: string): Promise<Record<string, any>> {
    const all = (await this.request('GET', '/os-floating-ips')).body.floating_ips as Record<string, any>[];
    const hit = all.find((f) => f.id === idOrAddress || f.ip === idOrAddress);
    if (!hit) throw new Error(`No floating IP with an address or ID of '${idOrAddress}' exists.`);
    return hit;
  }

  /**
   * Poll until the server reaches one of `statuses` with no task running (or
   * disappears when `statuses` includes `DELETED`); ERROR ends the wait with
   * the fault's message. `progress` is called on every poll.
   */
  async waitForServer(id: string, statuses: string[], options: { intervalMs?: number; timeoutMs?: number; progress?: (s: Record<string, any>) => void } = {}): Promise<Record<string, any>> {
    const end = Date.now() + (options.timeoutMs ?? 600_000);
    for (;;) {
      let s: Record<string, any>;
      try {
        s = (await this.request('GET', `/servers/${id}`)).body.server;
      } catch (err) {
        if (err instanceof NovaClientError && err.status === 404 && statuses.includes('DELETED')) return { id, status: 'DELETED' };
        throw err;
      }
      options.progress?.(s);
      if (statuses.includes(s.status) && !s['OS-EXT-STS:task_state']) return s;
      if (s.status === 'ERROR' && !statuses.includes('ERROR')) throw new Error(`Server ${id} went to ERROR: ${s.fault?.message ?? 'no fault recorded'}`);
      if (Date.now() > end) throw new Error(`Timed out waiting for server ${id} (status ${s.status}, task ${s['OS-EXT-STS:task_state']})`);
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 500));
    }
  }
}
