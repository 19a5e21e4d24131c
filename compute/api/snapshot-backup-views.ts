/** Cinder v3's snapshot and backup bodies. */
import type { Backup, Snapshot } from '../volume/index.js';
import type { LinkBase } from './views.js';

function links(base: LinkBase, kind: 'snapshots' | 'backups', id: string) {
  return [
    { rel: 'self', href: `${base.origin}/v3/${base.projectId}/${kind}/${id}` },
    { rel: 'bookmark', href: `${base.origin}/${base.projectId}/${kind}/${id}` },
  ];
}

/** Cinder's timestamps: microseconds, no zone. */
const cinderTime = (t: string | null) => (t ? t.replace('Z', '.000000') : null);

export function snapshotView(s: Snapshot, isAdmin: boolean) {
  const body: Record<string, unknown> = {
    id: s.id, name: s.name, description: s.description, volume_id: s.volume_id, status: s.status, size: s.volume_size,
    metadata: s.metadata, created_at: cinderTime(s.created_at), updated_at: cinderTime(s.updated_at),
    'os-extended-snapshot-attributes:progress': s.progress,
  };
  if (isAdmin) body['os-extended-snapshot-attributes:project_id'] = s.project_id;
  return body;
}

export function backupSummary(b: Backup, base: LinkBase) {
  return { id: b.id, name: b.name, links: links(base, 'backups', b.id) };
}

/** `progress` (percent of the running create or restore) is swiftly's; the rest is Cinder's. */
export function backupDetail(b: Backup, dependents: number, base: LinkBase, isAdmin: boolean) {
  const body: Record<string, unknown> = {
    id: b.id, name: b.name, description: b.description, status: b.status, fail_reason: b.fail_reason,
    availability_zone: 'nova', volume_id: b.volume_id, snapshot_id: b.snapshot_id, container: b.container,
    size: b.size, object_count: b.object_count, is_incremental: b.is_incremental, has_dependent_backups: dependents > 0,
    created_at: cinderTime(b.created_at), updated_at: cinderTime(b.updated_at), data_timestamp: cinderTime(b.data_timestamp ?? b.created_at),
    progress: b.progress, links: links(base, 'backups', b.id),
  };
  if (isAdmin) body['os-backup-project-attr:project_id'] = b.project_id;
  return body;
}
