/**
 * Glance's Swift store, over the Swift API: image data lives as one object
 * per image (named by the image id) in a container (`glance`) of a service
 * account, reached with tempauth v1.0 credentials (auth URL + user + key).
 * The token is fetched on first use and again after a 401.
 *
 * A Swift PUT is all or nothing: an object is visible only once the proxy
 * has written it whole, so an upload cut short leaves nothing behind.
 *
 * An image too big for one object (or of unknown size) is stored as Glance
 * stores it: segments of `swift_store_large_object_chunk_size` in
 * `<container>_segments`, each checked against the MD5 of the bytes sent,
 * then a static large object manifest under the image's name. A failed
 * segmented upload deletes the segments it wrote.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';

/** A service account's tempauth v1.0 credentials, logged in on first use and again after a 401. */
export interface SwiftStoreLogin {
  /** tempauth v1.0 URL, e.g. `http://127.0.0.1:8080/auth/v1.0` (Glance's `swift_store_auth_address`). */
  authUrl: string;
  /** `account:user` (Glance's `swift_store_user`). */
  user: string;
  key: string;
}

/** A user's own token and storage URL (Cinder's `backup_swift_auth = per_user`): used as given. */
export interface SwiftStoreToken {
  token: string;
  storageUrl: string;
}

export type SwiftStoreOptions = (SwiftStoreLogin | SwiftStoreToken) & {
  /** Glance's `swift_store_container`. */
  container?: string;
  /** Where segments of large objects go (`<container>_segments`); null: none made (no `putSegmented`). */
  segmentsContainer?: string | null;
  timeoutMs?: number;
};

/** An error of the store, with the proxy's status when it answered. */
export class StoreError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface StoredObject {
  status: number;
  etag: string | null;
  length: number | null;
  body: Dispatcher.ResponseData['body'];
}

export class SwiftStore {
  readonly container: string;
  private auth?: Promise<{ token: string; storageUrl: string }>;
  private containerReady = false;

  constructor(private readonly o: SwiftStoreOptions) {
    this.container = o.container ?? 'glance';
  }

  private login(): Promise<{ token: string; storageUrl: string }> {
    const o = this.o;
    if ('token' in o) return Promise.resolve({ token: o.token, storageUrl: o.storageUrl });
    this.auth ??= (async () => {
      const res = await request(o.authUrl, { headers: { 'x-auth-user': o.user, 'x-auth-key': o.key } });
      await res.body.dump();
      const token = res.headers['x-auth-token'];
      const storageUrl = res.headers['x-storage-url'];
      if (res.statusCode !== 200 || typeof token !== 'string' || typeof storageUrl !== 'string') {
        throw new StoreError(`store authentication as ${o.user} failed (HTTP ${res.statusCode})`, res.statusCode);
      }
      return { token, storageUrl };
    })();
    // A failed login is not kept: the next call tries again.
    this.auth.catch(() => { this.auth = undefined; });
    return this.auth;
  }

  private objectPath(storageUrl: string, name?: string, container = this.container): string {
    return `${storageUrl}/${encodeURIComponent(container)}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
  }

  /** One request with the store's token; retried once after a 401 when it carries no stream. */
  private async call(
    method: Dispatcher.HttpMethod, name: string | undefined,
    opts: { headers?: Record<string, string>; body?: Readable | string; retry?: boolean; container?: string; query?: string } = {},
  ): Promise<Dispatcher.ResponseData> {
    const { token, storageUrl } = await this.login();
    const timeout = this.o.timeoutMs ?? 60_000;
    const res = await request(this.objectPath(storageUrl, name, opts.container) + (opts.query ? `?${opts.query}` : ''), {
      method, headers: { ...opts.headers, 'x-auth-token': token }, body: opts.body, headersTimeout: timeout, bodyTimeout: timeout,
    });
    if (res.statusCode === 401 && opts.retry !== false && !(opts.body instanceof Readable) && !('token' in this.o)) {
      await res.body.dump();
      this.auth = undefined;
      return this.call(method, name, { ...opts, retry: false });
    }
    return res;
  }

  private async ensureContainer(): Promise<void> {
    if (this.containerReady) return;
    for (const container of this.o.segmentsContainer === null ? [this.container] : [this.container, this.segmentsContainer]) {
      const res = await this.call('PUT', undefined, { container });
      await res.body.dump();
      if (res.statusCode !== 201 && res.statusCode !== 202) throw new StoreError(`cannot create container ${container} (HTTP ${res.statusCode})`, res.statusCode);
    }
    this.containerReady = true;
  }

  /** Where the segments of large images go. */
  get segmentsContainer(): string {
    return this.o.segmentsContainer ?? `${this.container}_segments`;
  }

  /**
   * Streams `body` into segments of `segmentSize` and then PUTs the manifest
   * of them as object `name`. `length` (when known) gives each segment its
   * Content-Length. Resolves with the manifest's ETag (the MD5 of the
   * segments' MD5s, checked against the segments' own).
   */
  async putSegmented(name: string, body: Readable, segmentSize: number, length?: number): Promise<string> {
    await this.ensureContainer();
    await this.login();
    const source = body[Symbol.asyncIterator]();
    let pending: Buffer | undefined;
    let ended = false;
    const next = async (): Promise<Buffer | undefined> => {
      if (pending) {
        const p = pending;
        pending = undefined;
        return p;
      }
      if (ended) return undefined;
      const r = await source.next();
      if (r.done) {
        ended = true;
        return undefined;
      }
      return r.value as Buffer;
    };
    const written: { path: string; etag: string; size_bytes: number }[] = [];
    try {
      for (let i = 1; ; i++) {
        const first = await next();
        if (!first && written.length) break;
        if (first) pending = first;
        const md5 = createHash('md5');
        let size = 0;
        const segment = Readable.from((async function* () {
          while (size < segmentSize) {
            let chunk = await next();
            if (!chunk) return;
            if (size + chunk.length > segmentSize) {
              pending = chunk.subarray(segmentSize - size);
              chunk = chunk.subarray(0, segmentSize - size);
            }
            size += chunk.length;
            md5.update(chunk);
            yield chunk;
          }
        })(), { objectMode: false });
        const segName = `${name}-${String(i).padStart(5, '0')}`;
        const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
        if (length !== undefined) headers['content-length'] = String(Math.min(segmentSize, length - (i - 1) * segmentSize));
        const res = await this.call('PUT', segName, { headers, body: segment, container: this.segmentsContainer });
        await res.body.dump();
        if (res.statusCode !== 201) throw new StoreError(`store PUT of segment ${segName} answered HTTP ${res.statusCode}`, res.statusCode);
        const etag = String(res.headers.etag ?? '').replace(/"/g, '');
        const sent = md5.digest('hex');
        written.push({ path: `/${this.segmentsContainer}/${segName}`, etag: sent, size_bytes: size });
        if (etag !== sent) throw new StoreError(`store ETag ${etag} of segment ${segName} does not match the md5 sent, ${sent}`);
        if (!first) break;
      }
      const res = await this.call('PUT', name, { query: 'multipart-manifest=put', headers: { 'content-type': 'application/octet-stream' }, body: JSON.stringify(written) });
      const text = await res.body.text();
      if (res.statusCode !== 201) throw new StoreError(`store PUT of the manifest ${name} answered HTTP ${res.statusCode}: ${text.slice(0, 200)}`, res.statusCode);
      const etag = String(res.headers.etag ?? '').replace(/"/g, '');
      const whole = createHash('md5').update(written.map((w) => w.etag).join('')).digest('hex');
      if (etag !== whole) throw new StoreError(`store ETag ${etag} of the manifest ${name} is not the MD5 of its segments' (${whole})`);
      return etag;
    } catch (err) {
      for (const w of written) {
        await this.call('DELETE', w.path.split('/').pop(), { container: this.segmentsContainer }).then((r) => r.body.dump(), () => undefined);
      }
      throw err;
    }
  }

  /**
   * Stream `body` into object `name`. `length` (when known) is sent as
   * Content-Length so the proxy refuses a short body; otherwise chunked.
   * Resolves with the proxy's ETag (the md5 of what it stored).
   */
  async put(name: string, body: Readable, length?: number): Promise<string> {
    await this.ensureContainer();
    // Make sure the token is fresh before committing a stream that cannot be replayed.
    await this.login();
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    // Without a length undici sends the stream chunked.
    if (length !== undefined) headers['content-length'] = String(length);
    const res = await this.call('PUT', name, { headers, body });
    await res.body.dump();
    if (res.statusCode !== 201) throw new StoreError(`store PUT of ${name} answered HTTP ${res.statusCode}`, res.statusCode);
    const etag = res.headers.etag;
    return typeof etag === 'string' ? etag.replace(/"/g, '') : '';
  }

  /** A GET of the object; the caller consumes or dumps the body. 404 → undefined. */
  async get(name: string, headers: Record<string, string> = {}): Promise<StoredObject | undefined> {
    const res = await this.call('GET', name, { headers });
    if (res.statusCode === 404) {
      await res.body.dump();
      return undefined;
    }
    if (res.statusCode !== 200 && res.statusCode !== 206) {
      await res.body.dump();
      throw new StoreError(`store GET of ${name} answered HTTP ${res.statusCode}`, res.statusCode);
    }
    const etag = res.headers.etag;
    const len = res.headers['content-length'];
    return { status: res.statusCode, etag: typeof etag === 'string' ? etag.replace(/"/g, '') : null, length: typeof len === 'string' ? Number(len) : null, body: res.body };
  }

  /** Delete the object (a manifest with its segments); true when it was there. */
  async delete(name: string): Promise<boolean> {
    const head = await this.call('HEAD', name);
    await head.body.dump();
    const manifest = head.statusCode === 200 && head.headers['x-static-large-object'] === 'True';
    const res = await this.call('DELETE', name, manifest ? { query: 'multipart-manifest=delete', headers: { accept: 'application/json' } } : {});
    if (manifest) {
      const result = JSON.parse(await res.body.text()) as { 'Response Status': string; Errors: unknown[] };
      if (!result['Response Status'].startsWith('200')) throw new StoreError(`store DELETE of ${name} and its segments: ${result['Response Status']} ${JSON.stringify(result.Errors)}`);
      return true;
    }
    await res.body.dump();
    if (res.statusCode === 404) return false;
    if (res.statusCode >= 300) throw new StoreError(`store DELETE of ${name} answered HTTP ${res.statusCode}`, res.statusCode);
    return true;
  }

  /** The names in the container, those starting with `prefix` when given (every page). */
  async list(prefix?: string): Promise<string[]> {
    const names: string[] = [];
    for (;;) {
      const query = new URLSearchParams({ format: 'json' });
      if (prefix) query.set('prefix', prefix);
      const last = names[names.length - 1];
      if (last !== undefined) query.set('marker', last);
      const page = await this.listPage(query.toString());
      if (page.length === 0) return names;
      names.push(...page);
    }
  }

  private async listPage(query: string): Promise<string[]> {
    const res = await this.call('GET', undefined, { headers: { accept: 'application/json' }, query });
    if (res.statusCode === 404) {
      await res.body.dump();
      return [];
    }
    if (res.statusCode === 204) return [];
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new StoreError(`store listing answered HTTP ${res.statusCode}`, res.statusCode);
    return (JSON.parse(text) as { name: string }[]).map((o) => o.name);
  }
}
