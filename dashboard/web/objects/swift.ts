/** The Swift API calls of the object browser, through the dashboard's relay. */
import { api, apiOk, swiftUrl, ApiError } from '../api.js';

export interface ContainerEntry {
  name: string;
  count: number;
  bytes: number;
  last_modified?: string;
}

export interface ObjectEntry {
  name: string;
  bytes: number;
  hash: string;
  last_modified: string;
  content_type: string;
}

export interface SubdirEntry {
  subdir: string;
}

export type ListingEntry = ObjectEntry | SubdirEntry;

export interface VersionEntry extends ObjectEntry {
  version_id: string;
  is_latest: boolean;
}

/** Swift's page limit: no listing answers more at once. */
export const LISTING_LIMIT = 10_000;

export function isSubdir(e: ListingEntry): e is SubdirEntry {
  return (e as SubdirEntry).subdir !== undefined;
}

export function entryName(e: ListingEntry): string {
  return isSubdir(e) ? e.subdir : e.name;
}

async function listing<T>(container: string | undefined, query: Record<string, string>): Promise<T[]> {
  const res = await apiOk(swiftUrl(container, undefined, { format: 'json', ...query }));
  if (res.status === 204) return [];
  return (await res.json()) as T[];
}

export function listContainers(marker = '', limit = LISTING_LIMIT): Promise<ContainerEntry[]> {
  return listing<ContainerEntry>(undefined, { limit: String(limit), ...(marker ? { marker } : {}) });
}

/** One page of a container's listing under `prefix` (with `/` as delimiter unless `deep`). */
export function listObjects(container: string, options: { prefix?: string; marker?: string; limit?: number; deep?: boolean }): Promise<ListingEntry[]> {
  const query: Record<string, string> = { limit: String(options.limit ?? LISTING_LIMIT) };
  if (options.prefix) query.prefix = options.prefix;
  if (options.marker) query.marker = options.marker;
  if (!options.deep) query.delimiter = '/';
  return listing<ListingEntry>(container, query);
}

export function listVersions(container: string, name: string): Promise<VersionEntry[]> {
  return listing<VersionEntry>(container, { versions: '', prefix: name }).then((all) => all.filter((v) => v.name === name));
}

export async function headers(container: string, object?: string): Promise<Headers> {
  const res = await apiOk(swiftUrl(container, object), { method: 'HEAD' }, `HEAD ${object ?? container}`);
  return res.headers;
}

export async function post(container: string, object: string | undefined, hdrs: Record<string, string>): Promise<void> {
  await apiOk(swiftUrl(container, object), { method: 'POST', headers: hdrs }, `POST ${object ?? container}`);
}

export async function createContainer(name: string): Promise<void> {
  await apiOk(swiftUrl(name), { method: 'PUT' }, `creating ${name}`);
}

export async function deleteContainer(name: string): Promise<void> {
  const res = await api(swiftUrl(name), { method: 'DELETE' });
  if (res.status === 409) throw new ApiError(409, `${name} is not empty`);
  if (!res.ok && res.status !== 404) throw new ApiError(res.status, `deleting ${name}: ${res.status}`);
}

/** Deletes one object; an SLO manifest with its segments. */
export async function deleteObject(container: string, name: string): Promise<void> {
  const head = await api(swiftUrl(container, name), { method: 'HEAD' });
  const slo = head.headers.get('x-static-large-object')?.toLowerCase() === 'true';
  const res = await api(swiftUrl(container, name, slo ? { 'multipart-manifest': 'delete' } : undefined), { method: 'DELETE' });
  if (!res.ok && res.status !== 404) throw new ApiError(res.status, `deleting ${name}: ${res.status}`);
}

interface BulkDeleteResult {
  'Number Deleted': number;
  'Number Not Found': number;
  Errors: [string, string][];
  'Response Status': string;
}

/** Deletes many objects of a container with bulk-delete (Swift's bulk middleware). */
export async function bulkDelete(container: string, names: string[]): Promise<number> {
  const q = (s: string): string => s.split('/').map(encodeURIComponent).join('/');
  const body = names.map((n) => `/${encodeURIComponent(container)}/${q(n)}`).join('\n');
  const res = await apiOk(`${swiftUrl()}?bulk-delete`, { method: 'POST', headers: { 'content-type': 'text/plain', accept: 'application/json' }, body });
  const result = (await res.json()) as BulkDeleteResult;
  if (result.Errors.length) throw new ApiError(500, `bulk delete: ${result.Errors.map((e) => e.join(' ')).join('; ')}`);
  return result['Number Deleted'];
}

/** Deletes every object under `prefix` (a pseudo-folder); returns how many. */
export async function deleteFolder(container: string, prefix: string, onProgress?: (deleted: number) => void): Promise<number> {
  let deleted = 0;
  // Delete as we list: each batch is gone before the next page is asked for.
  for (;;) {
    const page = await listObjects(container, { prefix, deep: true, limit: 1000 });
    if (!page.length) return deleted;
    const n = await bulkDelete(container, page.map(entryName));
    if (n === 0) throw new ApiError(409, `nothing under ${prefix} could be deleted`);
    deleted += n;
    onProgress?.(deleted);
    if (page.length < 1000) return deleted;
  }
}
