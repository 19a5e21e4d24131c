/**
 * A bed host's three storage servers in one process, each from its own
 * Swift-style conf (`host-worker.js <object.conf> <container.conf>
 * <account.conf>`), the same servers `swiftly server <kind> <conf>`
 * starts, so a bed costs a third of the processes to start (the bed's
 * `servers: 'per-host'`). Exits on SIGTERM once they are closed.
 */
import { startStorageServer, type StorageServer } from '../../../storage/server-runner.js';
import { readStorageConf } from '../../../storage/run-storage.js';

const KINDS = ['object', 'container', 'account'] as const;
const confs = process.argv.slice(2);
if (confs.length !== KINDS.length) throw new Error('usage: host-worker.js <object.conf> <container.conf> <account.conf>');

const servers: StorageServer[] = await Promise.all(KINDS.map((kind, i) => startStorageServer(kind, readStorageConf(kind, confs[i]))));
const stop = async (): Promise<void> => {
  await Promise.all(servers.map((s) => s.close()));
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
