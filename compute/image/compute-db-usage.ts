/**
 * ImageUsage from the compute DB: an image is in use while a live
 * (not deleted) instance was booted from it. The DB is the one compute.conf's
 * `[database] connection` names: a SQLite file (opened read-only, so the
 * image service can run beside compute on the same host) or PostgreSQL
 * (any host: the same database the compute services use).
 */
import { existsSync } from 'node:fs';
import { isPostgresUrl, openSqlDatabase, SqliteDatabase, type SqlDatabase } from '../db/index.js';
import type { ImageUsage } from './glance-service.js';

export class ComputeDbImageUsage implements ImageUsage {
  private db?: SqlDatabase;

  /** @param connection a SQLite path or a `postgresql://` URL */
  constructor(private readonly connection: string) {}

  async inUse(imageId: string): Promise<boolean> {
    if (!this.db) {
      if (isPostgresUrl(this.connection)) {
        this.db = await openSqlDatabase(this.connection);
      } else {
        // Opened lazily: the compute DB may be created after the image service starts (no DB yet: no servers).
        if (!existsSync(this.connection)) return false;
        this.db = new SqliteDatabase(this.connection, { readonly: true });
      }
    }
    return (await this.db.get(`SELECT 1 FROM instances WHERE image_ref = ? AND deleted = 0 LIMIT 1`, [imageId])) !== undefined;
  }

  async close(): Promise<void> {
    await this.db?.close();
  }
}
