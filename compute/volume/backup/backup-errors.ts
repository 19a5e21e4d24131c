/** Backup errors with Cinder's statuses. */
import { SwiftlyError } from '../../../common/index.js';

/** Cinder: BackupNotFound (404). */
export class BackupNotFoundError extends SwiftlyError {
  constructor(id: string) {
    super('ERR_NOT_FOUND', `Backup ${id} could not be found.`, { status: 404 });
    this.name = 'BackupNotFound';
  }
}

/** Cinder: InvalidBackup / InvalidVolume (400, as Cinder's backup API answers). */
export class BackupStateError extends SwiftlyError {
  constructor(message: string, status = 400) {
    super('ERR_CONFLICT', message, { status });
    this.name = 'InvalidBackup';
  }
}
