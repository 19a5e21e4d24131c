/** Typed errors of the object server's inner layers; the handlers map them to Swift's statuses. */
import { SwiftlyError } from '../../common/index.js';

/** Swift's DiskFileDeviceUnavailable: the device is not there or not mounted (507). */
export class DeviceUnavailableError extends SwiftlyError {
  readonly device: string;
  constructor(device: string) {
    super('ERR_DISK', `device unavailable: ${device}`, { status: 507 });
    this.name = 'DeviceUnavailableError';
    this.device = device;
  }
}

/** Swift's DiskFileCollision: the hash dir holds another name (403). */
export class DiskFileCollisionError extends SwiftlyError {
  constructor(message: string) {
    super('ERR_CONFLICT', message, { status: 403 });
    this.name = 'DiskFileCollisionError';
  }
}

/**
 * A write, fdatasync, fsync or rename of an object's files failed: what was
 * being written is not durable and must not be acknowledged (503; 507 when
 * the disk is full, Swift's DiskFileNoSpace).
 */
export class DiskWriteError extends SwiftlyError {
  readonly noSpace: boolean;
  constructor(step: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException)?.code;
    const noSpace = code === 'ENOSPC' || code === 'EDQUOT';
    super('ERR_DISK', `${step} failed: ${(cause as Error)?.message ?? String(cause)}`, { status: noSpace ? 507 : 503, cause });
    this.name = 'DiskWriteError';
    this.noSpace = noSpace;
  }
}

/**
 * Swift's DiskFileQuarantined: the object's data did not match its stored
 * ETag (or could not be read as an object) and was moved to quarantine; to
 * a client it is not there (404).
 */
export class DiskFileQuarantinedError extends SwiftlyError {
  constructor(message: string) {
    super('ERR_DISK', message, { status: 404 });
    this.name = 'DiskFileQuarantinedError';
  }
}
