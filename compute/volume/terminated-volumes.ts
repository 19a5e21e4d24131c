/**
 * A deleted server's delete_on_termination volumes (Nova's
 * _cleanup_volumes): the compute DB left them `deleting` with the server's
 * row; each volume's host now removes its file and row. A host that can't
 * be told leaves the volume `error_deleting` (the user can delete it again):
 * the server is gone either way.
 */
import type { Logger } from '../../common/index.js';
import type { RequestContext } from '../rpc/index.js';
import { VolumeStatus, type VolumeStore } from './types.js';
import type { VolumeRpcApi } from './volume-rpcapi.js';

export async function deleteTerminatedVolumes(
  v: { store: VolumeStore; rpc: VolumeRpcApi }, ctx: Partial<RequestContext>, ids: readonly string[], log: Logger,
): Promise<void> {
  for (const id of ids) {
    const volume = await v.store.get(id);
    if (!volume) continue;
    if (!volume.host) {
      await v.store.destroy(id);
      continue;
    }
    try {
      await v.rpc.deleteVolume(ctx, volume.host, id);
    } catch (err) {
      log.error({ volume: id, err: (err as Error).message }, 'could not ask for a terminated server\'s volume to be deleted');
      await v.store.update(id, { status: VolumeStatus.ERROR_DELETING }, [VolumeStatus.DELETING]).catch(() => {});
    }
  }
}
