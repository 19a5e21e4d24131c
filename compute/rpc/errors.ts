/** Errors of compute's RPC; each carries the status an API edge answers with. */
import { SwiftlyError } from '../../common/index.js';

/** No reply within the call's timeout (Nova: oslo.messaging MessagingTimeout). */
export class MessagingTimeoutError extends SwiftlyError {
  constructor(message: string) {
    super('ERR_TIMEOUT', message, { status: 503 });
    this.name = 'MessagingTimeout';
  }
}

/** The bus could not be reached in time (broker down, connection lost). */
export class TransportUnavailableError extends SwiftlyError {
  constructor(message: string, cause?: unknown) {
    super('ERR_TIMEOUT', message, { status: 503, cause });
    this.name = 'TransportUnavailable';
  }
}

/** The receiving manager cannot serve the message's version. */
export class UnsupportedVersionError extends SwiftlyError {
  constructor(message: string) {
    super('ERR_UNSUPPORTED', message, { status: 500 });
    this.name = 'UnsupportedVersion';
  }
}

/**
 * An error raised by the remote handler, carried back to the caller with
 * its class name, message and status (Nova: RemoteError).
 */
export class RemoteError extends SwiftlyError {
  readonly remoteName: string;
  constructor(remoteName: string, message: string, status: number) {
    super(status === 409 ? 'ERR_CONFLICT' : status === 404 ? 'ERR_NOT_FOUND' : 'ERR_INVALID_ARGUMENT', message, { status });
    this.name = 'RemoteError';
    this.remoteName = remoteName;
  }
}
