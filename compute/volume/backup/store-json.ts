/** JSON objects of a backup (metadata, sha256file) in and out of the store. */
import { Readable } from 'node:stream';
import { StoreError, type SwiftStore } from '../../image/index.js';

export async function putJson(store: SwiftStore, name: string, value: unknown): Promise<void> {
  const body = Buffer.from(JSON.stringify(value));
  await store.put(name, Readable.from([body]), body.length);
}

/** The object's JSON; a missing object is a StoreError (404). */
export async function getJson<T>(store: SwiftStore, name: string): Promise<T> {
  const obj = await store.get(name);
  if (!obj) throw new StoreError(`backup object ${name} is not in container ${store.container}`, 404);
  return JSON.parse(await obj.body.text()) as T;
}
