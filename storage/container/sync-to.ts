/**
 * X-Container-Sync-To on container PUT and POST, checked as Swift's
 * container server does (`validate_sync_to` against `allowed_sync_hosts`
 * and container-sync-realms.conf): a bad value is a 400 with Swift's text.
 */
import { validateSyncTo, type ContainerSyncRealms } from '../../common/index.js';
import { HttpStatusError } from '../db/errors.js';

/** Throws a 400 with Swift's message when `value` is not an acceptable sync target. */
export function requireValidSyncTo(value: string, allowedSyncHosts: readonly string[], realms: ContainerSyncRealms): void {
  const result = validateSyncTo(value, allowedSyncHosts, realms);
  if ('error' in result) throw new HttpStatusError(400, result.error);
}
