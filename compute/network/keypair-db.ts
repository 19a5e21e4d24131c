/** Key pairs in the compute DB: per user, by name (Nova's key_pairs). */
import type { SqlExecutor } from '../db/index.js';
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
  constructor(private readonly sql: SqlExecutor) {}

  async create(kp: Omit<KeyPair, 'createdAt'>): Promise<KeyPair> {
    const res = await this.sql.run(`INSERT INTO key_pairs (user_id, name, fingerprint, public_key, type, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [kp.userId, kp.name, kp.fingerprint, kp.publicKey, kp.type, novaTime()]);
    if (res.changes === 0) throw new KeyPairExistsError(kp.name);
    return (await this.get(kp.userId, kp.name))!;
  }

  async get(userId: string, name: string): Promise<KeyPair | undefined> {
    const r = await this.sql.get(`SELECT * FROM key_pairs WHERE user_id = ? AND name = ?`, [userId, name]);
    return r && toKeyPair(r);
  }

  async list(userId: string): Promise<KeyPair[]> {
    return (await this.sql.all(`SELECT * FROM key_pairs WHERE user_id = ? ORDER BY name`, [userId])).map(toKeyPair);
  }

  async delete(userId: string, name: string): Promise<boolean> {
    return (await this.sql.run(`DELETE FROM key_pairs WHERE user_id = ? AND name = ?`, [userId, name])).changes === 1;
  }
}
