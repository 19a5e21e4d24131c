/** Typed errors of the DB brokers; the HTTP edge maps them to Swift's statuses. */
import { SwiftlyError } from '../../common/index.js';

/** Another process created the DB first (Swift's DatabaseAlreadyExists). */
export class DatabaseAlreadyExistsError extends SwiftlyError {
  constructor(path: string) {
    super('ERR_CONFLICT', `DB already exists: ${path}`, { status: 409 });
    this.name = 'DatabaseAlreadyExistsError';
  }
}

/** A request Swift answers with a fixed status and a short body (HTTPException). */
export class HttpStatusError extends SwiftlyError {
  readonly headers: Record<string, string | number>;
  constructor(status: number, body = '', headers: Record<string, string | number> = {}) {
    super(status === 404 ? 'ERR_NOT_FOUND' : status === 409 ? 'ERR_CONFLICT' : 'ERR_INVALID_ARGUMENT', body, { status });
    this.name = 'HttpStatusError';
    this.headers = headers;
  }
}

/**
 * The DB file a broker had open was removed or replaced (a replicator
 * deleted a handoff copy, possibly in another process) before a write got
 * the lock: the write did not happen, and the DB is not here any more.
 */
export class DatabaseGoneError extends SwiftlyError {
  constructor(path: string) {
    super('ERR_NOT_FOUND', `DB removed: ${path}`, { status: 404 });
    this.name = 'DatabaseGoneError';
  }
}
