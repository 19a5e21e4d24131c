/** Snapshot errors with Cinder's statuses. */
import { SwiftlyError } from '../../../common/index.js';

/** Cinder: SnapshotNotFound (404). */
export class SnapshotNotFoundError extends SwiftlyError {
  constructor(id: string) {
    super('ERR_NOT_FOUND', `Snapshot ${id} could not be found.`, { status: 404 });
    this.name = 'SnapshotNotFound';
  }
}

/** Cinder: InvalidSnapshot / InvalidVolume for a snapshot request in the wrong state (400, as Cinder answers). */
export class SnapshotStateError extends SwiftlyError {
  constructor(message: string, status = 400) {
    super('ERR_CONFLICT', message, { status });
    this.name = 'InvalidSnapshot';
  }
}
