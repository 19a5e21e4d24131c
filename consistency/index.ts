/**
 * consistency: the daemons that keep replicas whole — object-replicator
 * (with swiftly's sync protocol, see storage/object/sync-receiver.ts),
 * object-updater, object-auditor, object-expirer, container- and
 * account-replicator, container-updater, container-sync, container- and account-auditor,
 * account-reaper — the one runner they share (`startDaemon`, `runDaemon`:
 * interval, --once, SIGTERM) and the recon client behind `swiftly recon`.
 * `daemons` maps Swift's section names to factories and the server conf
 * each daemon reads. Daemons talk to storage nodes over HTTP only, and use
 * storage/ for on-disk layouts (DiskFile, suffix hashes, DB brokers).
 */
export type { Daemon, DaemonContext, DaemonFactory } from './daemon.js';
export { runDaemon, startDaemon, readDaemonSection, abortOnSignals, configuredDaemons, type ConfiguredDaemon, type RunnerOptions, type StartDaemonOptions } from './daemon-runner.js';
export { commonDaemonConf, type CommonDaemonConf } from './daemon-conf.js';
export { ObjectUpdater, createObjectUpdater } from './object-updater.js';
export { ObjectReplicator, createObjectReplicator } from './object-replicator.js';
export { DbReplicator, createContainerReplicator, createAccountReplicator, type DbKind } from './db-replicator.js';
export { ObjectAuditor, createObjectAuditor, AuditError, type AuditMode, type AuditStats } from './object-auditor.js';
export { ObjectExpirer, createObjectExpirer, parseTaskObject, type ExpirerStats } from './object-expirer.js';
export { ContainerUpdater, createContainerUpdater } from './container-updater.js';
export { ContainerSync, createContainerSync, type ContainerSyncStats } from './container-sync.js';
export { AccountReaper, createAccountReaper, type ReaperStats } from './account-reaper.js';
export { DbAuditor, createContainerAuditor, createAccountAuditor } from './db-auditor.js';
export { daemons, type DaemonName } from './registry.js';
export { reconHosts, pollRecon, runCheck, summarize, formatSummary, type ReconCheck, type ReconHost, type ReconResult, type Summary } from './recon-client.js';
