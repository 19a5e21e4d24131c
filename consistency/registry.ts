/**
 * The daemons by Swift's section name, with the server conf they live in
 * (`swiftly daemon object-replicator /etc/swift/object-server.conf`).
 */
import type { DaemonFactory } from './daemon.js';
import { createObjectReplicator } from './object-replicator.js';
import { createObjectUpdater } from './object-updater.js';
import { createObjectAuditor } from './object-auditor.js';
import { createObjectExpirer } from './object-expirer.js';
import { createContainerUpdater } from './container-updater.js';
import { createContainerSync } from './container-sync.js';
import { createAccountReaper } from './account-reaper.js';
import { createAccountAuditor, createContainerAuditor } from './db-auditor.js';
import { createAccountReplicator, createContainerReplicator } from './db-replicator.js';

export interface DaemonEntry {
  factory: DaemonFactory;
  /** Which server's conf holds its section. */
  server: 'object' | 'container' | 'account';
}

export const daemons: Record<string, DaemonEntry> = {
  'object-replicator': { factory: createObjectReplicator, server: 'object' },
  'object-updater': { factory: createObjectUpdater, server: 'object' },
  'object-auditor': { factory: createObjectAuditor, server: 'object' },
  'object-expirer': { factory: createObjectExpirer, server: 'object' },
  'container-updater': { factory: createContainerUpdater, server: 'container' },
  'container-sync': { factory: createContainerSync, server: 'container' },
  'container-replicator': { factory: createContainerReplicator, server: 'container' },
  'account-replicator': { factory: createAccountReplicator, server: 'account' },
  'account-reaper': { factory: createAccountReaper, server: 'account' },
  'container-auditor': { factory: createContainerAuditor, server: 'container' },
  'account-auditor': { factory: createAccountAuditor, server: 'account' },
};

export type DaemonName = 'object-replicator' | 'object-updater' | 'object-auditor' | 'container-replicator' | 'account-replicator' | 'object-expirer' | 'account-reaper' | 'container-updater' | 'container-sync' | 'container-auditor' | 'account-auditor';
