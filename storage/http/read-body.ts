/**
 * Reading a backend request's body whole, for the verbs whose body is one
 * JSON document (container UPDATE, the DB REPLICATE RPC, SSYNC's missing
 * check): memory stays bounded by a limit per verb, checked against
 * Content-Length first and then counted as the bytes come, never trusted.
 */
import type { IncomingMessage } from 'node:http';
import { SwiftlyError } from '../../common/index.js';

/** A body past its verb's limit (413). The rest of it is left unread: answer with Connection: close. */
export class BodyTooLargeError extends SwiftlyError {
  constructor(readonly limit: number) {
    super('ERR_INVALID_ARGUMENT', 'Request Entity Too Large', { status: 413 });
    this.name = 'BodyTooLargeError';
  }
}

/**
 * The request's body, once all of it came; BodyTooLargeError as soon as
 * it is known to exceed `limit` bytes. The request is paused then, not
 * destroyed, so the 413 can still be sent on its connection.
 */
export function readBodyWhole(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.pause();
    return Promise.reject(new BodyTooLargeError(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: Error): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err) {
        req.pause();
        reject(err);
      } else {
        resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
      }
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) return done(new BodyTooLargeError(limit));
      chunks.push(chunk);
    };
    const onEnd = (): void => done();
    const onError = (err: Error): void => done(err);
    const onClose = (): void => {
      if (!req.complete) done(new Error('client went away before the end of its body'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
    if (req.readableEnded) onEnd();
  });
}

/** The most a DB RPC's JSON body may hold (REPLICATE, UPDATE: rows to merge, sync points). */
export const MAX_RPC_BODY = 64 * 1024 * 1024;
