/**
 * ImageUsage from the compute DB: an image is in use while a live
 * (not deleted) instance was booted from it. Opened read-only, so the image
 * service can run beside compute or in its own process on the same host.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { ImageUsage } from './glance-service.js';

export class ComputeDbImageUsage implements ImageUsage {
  private db?: Database.Database;

  constructor(private readonly path: string) {}

  inUse(imageId: string): boolean {
    // Opened lazily: the compute DB may be created after the image service starts (no DB yet: no servers).
    if (!this.db && !existsSync(this.path)) return false;
    this.db ??= new Database(this.path, { readonly: true, fileMustExist: true });
    this.db.pragma('busy_timeout = 5000');
    return this.db.prepare(`SELECT 1 FROM instances WHERE image_ref = ? AND deleted = 0 LIMIT 1`).get(imageId) !== undefined;
  }

  close(): void {
    this.db?.close();
  }
}
