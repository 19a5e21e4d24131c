/**
 * REPLICATE /<device>/<partition>[/<suffix>-<suffix>...]: the partition's
 * suffix hashes as JSON (`{"<suffix>": "<md5>", ...}`; Swift sends a
 * pickle). Named suffixes are rehashed first.
 */
import { join } from 'node:path';
import { DeviceUnavailableError } from '../errors.js';
import { dataDirName } from '../fs-disk-file.js';
import { getHashes } from '../suffix-hashes.js';
import { send } from '../responses.js';
import type { ObjectServer } from './context.js';
import { insufficientStorage } from './shared.js';

export async function handleReplicate(
  s: ObjectServer, res: import('node:http').ServerResponse, device: string, partition: string, suffixParts: string | undefined, policyIndex: number,
): Promise<void> {
  let devicePath: string;
  try {
    devicePath = await s.manager.devicePath(device);
  } catch (err) {
    if (err instanceof DeviceUnavailableError) throw insufficientStorage(device);
    throw err;
  }
  const suffixes = suffixParts ? suffixParts.split('-') : [];
  const hashes = await getHashes(join(devicePath, dataDirName(policyIndex), partition), suffixes, { reclaimAge: s.conf.reclaimAge });
  send(res, 200, { 'Content-Type': 'application/json' }, JSON.stringify(hashes));
}
