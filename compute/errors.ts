/** compute's typed errors; `status` is what the API answers when one reaches it. */
import { SwiftlyError } from '../common/index.js';

/** Nothing can host the request (Nova: NoValidHost). */
export class NoValidHostError extends SwiftlyError {
  constructor(reason: string) {
    super('ERR_CONFLICT', `No valid host was found. ${reason}`.trim(), { status: 400 });
    this.name = 'NoValidHost';
  }
}

/** A host could not fit a claim (Nova: ComputeResourcesUnavailable); the build is rescheduled. */
export class ComputeResourcesUnavailableError extends SwiftlyError {
  constructor(reason: string) {
    super('ERR_CONFLICT', `Insufficient compute resources: ${reason}.`, { status: 409 });
    this.name = 'ComputeResourcesUnavailable';
  }
}

/** An action asked of an instance in the wrong state (Nova: InstanceInvalidState → 409). */
export class InstanceInvalidStateError extends SwiftlyError {
  constructor(message: string) {
    super('ERR_CONFLICT', message, { status: 409 });
    this.name = 'InstanceInvalidState';
  }
}
