/** Key pairs in the compute DB: per user, by name (Nova's key_pairs). */
import type Database from 'better-sqlite3';
import { SwiftlyError } from '../../common/index.js';
import { novaTime } from '../model.js';
import type { KeyPair } from './types.js';

type Row = Record<string, unknown>;

/** Nova: KeyPairExists (409). */
export class KeyPairExistsError extends SwiftlyError {
  constructor(name: string) {
    super('ERR_CONFLICT', `Key pair '${name}' already exists.`, { status: 409 });
    this.name = 'KeyPairExists';
  }
}

function toKeyPair(r: Row): KeyPair {
  return {
    name: r.name as string, userId: r.user_id as string, publicKey: r.public_key as string,
    fingerprint: r.fingerprint as string, type: r.type as KeyPair['type'], createdAt: r.created_at as string,
  };
}

export class KeyPairDb {
  constructor(private readonly db: Database.Database) {}

  create(kp: Omit<KeyPair, 'createdAt'>): KeyPair {
    const res = this.db.prepare(`INSERT INTO key_pairs (user_id, name, fingerprint, public_key, type, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
      .run(kp.userId, kp.name, kp.fingerprint, kp.publicKey, kp.type, novaTime());
    if (res.changes === 0) throw new KeyPairExistsError(kp.name);
    return this.get(kp.userId, kp.name)!;
  }

  get(userId: string, name: string): KeyPair | undefined {
    const r = this.db.prepare(`SELECT * FROM key_pairs WHERE user_id = ? AND name = ?`).get(userId, name) as Row | undefined;
    return r && toKeyPair(r);
  }

  list(userId: string): KeyPair[] {
    return (this.db.prepare(`SELECT * FROM key_pairs WHERE user_id = ? ORDER BY name`).all(userId) as Row[]).map(toKeyPair);
  }

  delete(userId: string, name: string): boolean {
    return this.db.prepare(`DELETE FROM key_pairs WHERE user_id = ? AND name = ?`).run(userId, name).changes === 1;
  }
}
