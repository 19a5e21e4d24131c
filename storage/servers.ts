/**
 * The registry of storage apps by kind (Swift's `egg:swift#object`, …).
 * Each entry loads its server's modules only when asked, so a process
 * serving one kind keeps the other two out of its memory.
 */
import type { StorageAppFactory } from './server-runner.js';

export type StorageKind = 'object' | 'container' | 'account';

export const storageServers: Record<StorageKind, () => Promise<StorageAppFactory>> = {
  object: async () => (await import('./object/index.js')).createObjectApp,
  container: async () => (await import('./container/container-server.js')).createContainerServer,
  account: async () => (await import('./account/account-server.js')).createAccountServer,
};
