/**
 * Typed errors. Inner layers throw these with a stable `code`; only an HTTP
 * edge turns them into a status and a body (see `status`).
 */
export type ErrorCode =
  | 'ERR_CONFIG'
  | 'ERR_INVALID_TIMESTAMP'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_NOT_FOUND'
  | 'ERR_CONFLICT'
  | 'ERR_RING'
  | 'ERR_RING_BUILDER'
  | 'ERR_RING_FILE'
  | 'ERR_DISK'
  | 'ERR_TIMEOUT'
  | 'ERR_CLIENT_DISCONNECT'
  | 'ERR_UNSUPPORTED';

export class SwiftlyError extends Error {
  readonly code: ErrorCode;
  /** HTTP status an edge should answer with, when this error reaches one. */
  readonly status: number;

  constructor(code: ErrorCode, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SwiftlyError';
    this.code = code;
    this.status = options.status ?? 500;
  }
}

export class ConfigError extends SwiftlyError {
  constructor(message: string, cause?: unknown) {
    super('ERR_CONFIG', message, { status: 500, cause });
    this.name = 'ConfigError';
  }
}

export class InvalidTimestampError extends SwiftlyError {
  constructor(message: string) {
    super('ERR_INVALID_TIMESTAMP', message, { status: 400 });
    this.name = 'InvalidTimestampError';
  }
}

export class InvalidArgumentError extends SwiftlyError {
  constructor(message: string, status = 400) {
    super('ERR_INVALID_ARGUMENT', message, { status });
    this.name = 'InvalidArgumentError';
  }
}

export class RingError extends SwiftlyError {
  constructor(code: 'ERR_RING' | 'ERR_RING_BUILDER' | 'ERR_RING_FILE', message: string, cause?: unknown) {
    super(code, message, { status: 500, cause });
    this.name = 'RingError';
  }
}

/** True when `err` is a SwiftlyError carrying `code`. */
export function hasCode(err: unknown, code: ErrorCode): err is SwiftlyError {
  return err instanceof SwiftlyError && err.code === code;
}
