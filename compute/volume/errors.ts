/** The volume service's typed errors; `status` is what the API answers (Cinder's codes). */
import { SwiftlyError } from '../../common/index.js';

/** Cinder: VolumeNotFound (404). */
export class VolumeNotFoundError extends SwiftlyError {
  constructor(id: string) {
    super('ERR_NOT_FOUND', `Volume ${id} could not be found.`, { status: 404 });
    this.name = 'VolumeNotFound';
  }
}

/** Cinder: InvalidVolume (400 in Cinder's API for a wrong status; 409 where Nova refuses an attach). */
export class VolumeStateError extends SwiftlyError {
  constructor(message: string, status = 409) {
    super('ERR_CONFLICT', message, { status });
    this.name = 'InvalidVolume';
  }
}
