/**
 * The browser's way to the dashboard server: fetch with the session's CSRF
 * token on every change, JSON helpers, the Swift API relay, and uploads
 * with progress (XMLHttpRequest: fetch can't report upload progress).
 */

export const SWIFT = '/api/swift';

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';
}

function withCsrf(init: RequestInit = {}): RequestInit {
  const method = (init.method ?? 'GET').toUpperCase();
  const headers = new Headers(init.headers);
  if (method !== 'GET' && method !== 'HEAD') headers.set('x-csrf-token', csrfToken());
  return { ...init, headers, credentials: 'same-origin' };
}

/** fetch against the dashboard; a lost session sends the user to the login page. */
export async function api(url: string, init?: RequestInit): Promise<Response> {
  const res = await fetch(url, withCsrf(init));
  if (res.status === 401) {
    location.assign('/login');
    throw new ApiError(401, 'logged out');
  }
  return res;
}

async function failure(res: Response, what: string): Promise<ApiError> {
  let detail = '';
  try {
    const text = await res.text();
    detail = (JSON.parse(text) as { error?: string }).error ?? text;
  } catch {
    /* no body */
  }
  return new ApiError(res.status, `${what}: ${res.status}${detail ? ` ${detail.slice(0, 200)}` : ''}`);
}

/** fetch that throws ApiError on anything but 2xx. */
export async function apiOk(url: string, init?: RequestInit, what = `${init?.method ?? 'GET'} ${url}`): Promise<Response> {
  const res = await api(url, init);
  if (!res.ok) throw await failure(res, what);
  return res;
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await apiOk(url);
  return res.status === 204 ? ([] as T) : ((await res.json()) as T);
}

export async function postJson<T>(url: string, body: unknown): Promise<T> {
  const res = await apiOk(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as T;
}

/** `/api/swift/<c>/<o>` with each segment quoted. */
export function swiftUrl(container?: string, object?: string, query?: Record<string, string>): string {
  let url = SWIFT + '/';
  if (container) url += encodeURIComponent(container);
  if (container && object !== undefined) url += '/' + object.split('/').map(encodeURIComponent).join('/');
  const qs = query ? new URLSearchParams(query).toString() : '';
  return qs ? `${url}?${qs}` : url;
}

export interface UploadOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Bytes sent so far of this body. */
  onProgress?(sent: number): void;
  signal?: AbortSignal;
}

/** Sends a body with progress events; resolves with the status and headers, rejects on abort or network error. */
export function upload(url: string, body: Blob | string, options: UploadOptions = {}): Promise<{ status: number; etag: string | null }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(options.method ?? 'PUT', url);
    xhr.setRequestHeader('x-csrf-token', csrfToken());
    for (const [k, v] of Object.entries(options.headers ?? {})) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => options.onProgress?.(e.loaded);
    xhr.onload = () => {
      if (xhr.status === 401) location.assign('/login');
      if (xhr.status >= 200 && xhr.status < 300) resolve({ status: xhr.status, etag: xhr.getResponseHeader('etag') });
      else reject(new ApiError(xhr.status, `upload: ${xhr.status} ${xhr.responseText.slice(0, 200)}`));
    };
    xhr.onerror = () => reject(new ApiError(0, 'upload: network error'));
    xhr.onabort = () => reject(new DOMException('upload cancelled', 'AbortError'));
    if (options.signal) {
      if (options.signal.aborted) return reject(new DOMException('upload cancelled', 'AbortError'));
      options.signal.addEventListener('abort', () => xhr.abort(), { once: true });
    }
    xhr.send(body);
  });
}
