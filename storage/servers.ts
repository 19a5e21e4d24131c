/**
 * The registry of storage apps by kind (Swift's `egg:swift#object`, …).
 * Each server module adds its factory here.
 */
import type { StorageAppFactory } from './server-runner.js';
import { InvalidArgumentError } from '../common/index.js';
import { createObjectApp } from './object/index.js';
import { createContainerServer } from './container/container-server.js';
import { createAccountServer } from './account/account-server.js';

export type StorageKind = 'object' | 'container' | 'account';

export const storageServers: Record<StorageKind, StorageAppFactory> = {
  object: createObjectApp,
  container: createContainerServer,
  account: createAccountServer,
};
