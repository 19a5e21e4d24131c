/**
 * The image service over HTTP (Glance v2): compute's ImageService when an
 * image API is configured, the CLI's client, and how a hypervisor driver
 * fetches image data — `fetchTo` writes to a temporary file beside the
 * target, checks md5 and sha512 against the record as bytes pass, and only
 * then renames into place, so a cache never holds a bad image.
 *
 * Credentials: a fixed token + project (the CLI), or tempauth user + key
 * (a service: logged in on first use and again after a 401).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Dispatcher } from 'undici';
import type { ImageCaller, ImageRecord, ImageService, ImageStatus } from './image-service.js';

/**
 * undici, loaded on the first request: the CLI reaches this file through
 * compute/client.ts in every `swiftly compute …` call, and most of them
 * (servers, flavors, volumes…) never ask the image API; undici is ~110
 * modules, 0.2 s of CPU in a process that lives a second.
 */
let undici: Promise<typeof import('undici')> | undefined;
const loadUndici = (): Promise<typeof import('undici')> => (undici ??= import('undici'));

export type GlanceCredentials =
  | { token: string; project: string }
  | { authUrl: string; user: string; key: string };

export interface GlanceClientOptions {
  /** The image API's root, `http://host:9292` (without /v2). */
  url: string;
  credentials: GlanceCredentials;
  timeoutMs?: number;
}

/** An image API error: its status and Glance's message. */
export class GlanceClientError extends Error {
  constructor(readonly status: number, message: string, readonly requestId: string | null) {
    super(`${message} (HTTP ${status}) (Request-ID: ${requestId ?? '-'})`);
    this.name = 'GlanceClientError';
  }
}

/** Raised when downloaded data doesn't match the image's checksums. */
export class ImageChecksumError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageChecksumError';
  }
}

/** A Glance image body (core attributes + flattened properties). */
export type GlanceImageBody = Record<string, any>;

/** What a driver needs beyond records: data in and out, verified. */
export interface ImageDataService extends ImageService {
  upload(id: string, body: Readable, options?: { size?: number; onProgress?: (bytes: number) => void }): Promise<ImageRecord>;
  download(id: string, options?: { onProgress?: (bytes: number) => void }): Promise<{ image: ImageRecord; stream: Readable }>;
  fetchTo(id: string, path: string, options?: { onProgress?: (bytes: number) => void }): Promise<ImageRecord>;
}

const CORE = new Set(['id', 'name', 'status', 'visibility', 'protected', 'os_hidden', 'checksum', 'os_hash_algo', 'os_hash_value', 'owner', 'size',
  'min_ram', 'min_disk', 'disk_format', 'container_format', 'virtual_size', 'tags', 'created_at', 'updated_at', 'self', 'file', 'schema', 'direct_url', 'locations']);

/** A Glance body → compute's ImageRecord (extra properties as strings). */
export function recordFromBody(b: GlanceImageBody): ImageRecord {
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(b)) if (!CORE.has(k)) properties[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return {
    id: b.id, name: b.name ?? '', status: b.status as ImageStatus, disk_format: b.disk_format ?? '', container_format: b.container_format ?? '',
    size: b.size ?? 0, min_ram: b.min_ram ?? 0, min_disk: b.min_disk ?? 0, visibility: b.visibility, owner: b.owner ?? null, properties,
    created_at: b.created_at, updated_at: b.updated_at ?? null, checksum: b.checksum ?? null, os_hash_algo: b.os_hash_algo ?? null, os_hash_value: b.os_hash_value ?? null,
  };
}

/** Counts, reports progress and checks md5/sha512 at the end. */
class VerifyingCounter extends Transform {
  private readonly md5 = createHash('md5');
  private readonly sha512 = createHash('sha512');
  bytes = 0;

  constructor(private readonly image: ImageRecord, private readonly onProgress?: (bytes: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.md5.update(chunk);
    this.sha512.update(chunk);
    this.onProgress?.(this.bytes);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const i = this.image;
    if (this.bytes !== i.size) return done(new ImageChecksumError(`image ${i.id}: got ${this.bytes} bytes, expected ${i.size}`));
    if (i.checksum && this.md5.digest('hex') !== i.checksum) return done(new ImageChecksumError(`image ${i.id}: md5 does not match the image's checksum`));
    if (i.os_hash_algo === 'sha512' && i.os_hash_value && this.sha512.digest('hex') !== i.os_hash_value) {
      return done(new ImageChecksumError(`image ${i.id}: sha512 does not match the image's os_hash_value`));
    }
    done();
  }
}

export class GlanceImageService implements ImageDataService {
  private auth?: Promise<{ token: string; project: string }>;

  constructor(private readonly o: GlanceClientOptions) {}

  /** The same image API asked with the caller's own token and project: Glance decides what it may see. */
  forUser(caller: ImageCaller): GlanceImageService {
    return new GlanceImageService({ ...this.o, credentials: { token: caller.token, project: caller.projectId } });
  }

  private login(): Promise<{ token: string; project: string }> {
    const c = this.o.credentials;
    if ('token' in c) return Promise.resolve(c);
    this.auth ??= (async () => {
      const { request } = await loadUndici();
      const res = await request(c.authUrl, { headers: { 'x-auth-user': c.user, 'x-auth-key': c.key } });
      await res.body.dump();
      const token = res.headers['x-auth-token'];
      const storageUrl = res.headers['x-storage-url'];
      if (res.statusCode !== 200 || typeof token !== 'string' || typeof storageUrl !== 'string') {
        throw new GlanceClientError(res.statusCode, `Authentication failed for ${c.user}`, null);
      }
      const account = decodeURIComponent(new URL(storageUrl).pathname.split('/')[2] ?? '');
      return { token, project: account.replace(/^[A-Za-z]+_/, '') };
    })();
    this.auth.catch(() => { this.auth = undefined; });
    return this.auth;
  }

  /** One call; a 401 with tempauth credentials logs in again once (not for streamed bodies). */
  async call(method: Dispatcher.HttpMethod, path: string, opts: { json?: unknown; contentType?: string; body?: Readable; headers?: Record<string, string>; retried?: boolean } = {}): Promise<Dispatcher.ResponseData> {
    const { token, project } = await this.login();
    const headers: Record<string, string> = { 'x-auth-token': token, 'x-project-id': project, 'user-agent': 'swiftly-image-client', ...opts.headers };
    let body: string | Readable | undefined = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] = opts.contentType ?? 'application/json';
    }
    const timeout = this.o.timeoutMs ?? 60_000;
    const { request } = await loadUndici();
    const res = await request(`${this.o.url.replace(/\/$/, '')}${path}`, { method, headers, body, headersTimeout: timeout, bodyTimeout: timeout });
    if (res.statusCode === 401 && !opts.retried && !opts.body && !('token' in this.o.credentials)) {
      await res.body.dump();
      this.auth = undefined;
      return this.call(method, path, { ...opts, retried: true });
    }
    return res;
  }

  private async fail(res: Dispatcher.ResponseData): Promise<never> {
    const text = await res.body.text();
    // Glance's plain-text error: "<status> <reason>\n\n<message>\n\n   ".
    const message = text.split('\n\n')[1]?.trim() || text.trim() || `HTTP ${res.statusCode}`;
    const rid = res.headers['x-openstack-request-id'];
    throw new GlanceClientError(res.statusCode, message, typeof rid === 'string' ? rid : null);
  }

  private async json(res: Dispatcher.ResponseData, ok: number[]): Promise<any> {
    if (!ok.includes(res.statusCode)) return this.fail(res);
    return res.statusCode === 204 ? (await res.body.dump(), undefined) : res.body.json();
  }

  /** The Glance body of an image (the CLI shows it whole). */
  async showBody(id: string): Promise<GlanceImageBody | undefined> {
    const res = await this.call('GET', `/v2/images/${encodeURIComponent(id)}`);
    if (res.statusCode === 404) return void (await res.body.dump());
    return this.json(res, [200]);
  }

  async show(id: string): Promise<ImageRecord | undefined> {
    const b = await this.showBody(id);
    return b && recordFromBody(b);
  }

  /** Every page of `GET /v2/images` with the filters. */
  async listBodies(filters: Record<string, string> = {}): Promise<GlanceImageBody[]> {
    const out: GlanceImageBody[] = [];
    let next: string | undefined = `/v2/images?${new URLSearchParams({ limit: '200', ...filters }).toString()}`;
    while (next) {
      const page: { images: GlanceImageBody[]; next?: string } = await this.json(await this.call('GET', next), [200]);
      out.push(...page.images);
      next = page.next;
    }
    return out;
  }

  async list(): Promise<ImageRecord[]> {
    return (await this.listBodies()).map(recordFromBody);
  }

  async createBody(body: Record<string, unknown>): Promise<GlanceImageBody> {
    return this.json(await this.call('POST', '/v2/images', { json: body }), [201]);
  }

  async create(image: { name: string; owner?: string; properties?: Record<string, string>; min_ram?: number; min_disk?: number; disk_format?: string; container_format?: string; visibility?: string }): Promise<ImageRecord> {
    const { properties, ...core } = image;
    return recordFromBody(await this.createBody({ disk_format: 'raw', container_format: 'bare', visibility: 'private', ...properties, ...core }));
  }

  /** JSON-patch (Glance's media type). */
  async patch(id: string, ops: { op: string; path: string; value?: unknown }[]): Promise<GlanceImageBody> {
    return this.json(await this.call('PATCH', `/v2/images/${encodeURIComponent(id)}`, { json: ops, contentType: 'application/openstack-images-v2.1-json-patch' }), [200]);
  }

  /** Properties are replaced whole (diffed into add/remove ops); status/size use the admin extension. */
  async update(id: string, values: Partial<Pick<ImageRecord, 'status' | 'size' | 'properties'>>): Promise<ImageRecord> {
    const ops: { op: string; path: string; value?: unknown }[] = [];
    if (values.properties) {
      const current = await this.show(id);
      if (!current) throw new GlanceClientError(404, `No image found with ID ${id}`, null);
      for (const k of Object.keys(current.properties)) if (!(k in values.properties)) ops.push({ op: 'remove', path: `/${k}` });
      for (const [k, v] of Object.entries(values.properties)) if (current.properties[k] !== v) ops.push({ op: 'add', path: `/${k}`, value: v });
    }
    // A driver that uploads data gets status and size from the upload; these cover drivers that don't (fake).
    if (values.status && values.status !== 'saving') ops.push({ op: 'replace', path: '/status', value: values.status });
    if (values.size !== undefined && values.status === 'active') ops.push({ op: 'replace', path: '/size', value: values.size });
    if (ops.length === 0) return (await this.show(id)) ?? Promise.reject(new GlanceClientError(404, `No image found with ID ${id}`, null));
    return recordFromBody(await this.patch(id, ops));
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.call('DELETE', `/v2/images/${encodeURIComponent(id)}`);
    if (res.statusCode === 404) return (await res.body.dump(), false);
    await this.json(res, [204]);
    return true;
  }

  async upload(id: string, body: Readable, options: { size?: number; onProgress?: (bytes: number) => void } = {}): Promise<ImageRecord> {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (options.size !== undefined) headers['content-length'] = String(options.size);
    let sent = 0;
    const counted = options.onProgress
      ? body.pipe(new Transform({ transform: (c: Buffer, _e, done) => { sent += c.length; options.onProgress!(sent); done(null, c); } }))
      : body;
    if (options.onProgress) body.on('error', (err) => counted.destroy(err));
    await this.json(await this.call('PUT', `/v2/images/${encodeURIComponent(id)}/file`, { body: counted, headers }), [204]);
    return (await this.show(id))!;
  }

  /** The data as a stream that errors (ImageChecksumError) at its end when it doesn't match the record. */
  async download(id: string, options: { onProgress?: (bytes: number) => void } = {}): Promise<{ image: ImageRecord; stream: Readable }> {
    const image = await this.show(id);
    if (!image) throw new GlanceClientError(404, `No image found with ID ${id}`, null);
    const res = await this.call('GET', `/v2/images/${encodeURIComponent(id)}/file`);
    if (res.statusCode === 204) {
      await res.body.dump();
      throw new GlanceClientError(204, `Image ${id} has no data`, null);
    }
    if (res.statusCode !== 200) return this.fail(res);
    const verify = new VerifyingCounter(image, options.onProgress);
    res.body.on('error', (err) => verify.destroy(err));
    return { image, stream: res.body.pipe(verify) };
  }

  /** Download into `path` (temp file + rename), verified; nothing is left at `path` on failure. */
  async fetchTo(id: string, path: string, options: { onProgress?: (bytes: number) => void } = {}): Promise<ImageRecord> {
    const { image, stream } = await this.download(id, options);
    const tmp = `${path}.part-${randomBytes(6).toString('hex')}`;
    try {
      await pipeline(stream, createWriteStream(tmp, { flags: 'wx' }));
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return image;
  }
}
