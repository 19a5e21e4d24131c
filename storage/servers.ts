/**
 * The registry of storage apps by kind (Swift's `egg:swift#object`, …).
 * Each server module adds its factory here.
 */
import type { StorageAppFactory } from './server-runner.js';
import { InvalidArgumentError } from '../common/index.js';
import { createObjectApp } from './object/index.js';

export type StorageKind = 'object' | 'container' | 'account';

function notBuilt(kind: StorageKind): StorageAppFactory {
  return () => {
    throw new InvalidArgumentError(`the ${kind} server is not part of this build yet`);
  };
}

export const storageServers: Record<StorageKind, StorageAppFactory> = {
  object: createObjectApp,
  container: notBuilt('container'),
  account: notBuilt('account'),
};
