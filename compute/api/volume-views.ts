/** Cinder v3's volume bodies and Nova's volume attachment bodies. */
import type { Volume, VolumeAttachment } from '../volume/index.js';
import type { LinkBase } from './views.js';

function links(base: LinkBase, id: string) {
  return [
    { rel: 'self', href: `${base.origin}/v3/${base.projectId}/volumes/${id}` },
    { rel: 'bookmark', href: `${base.origin}/${base.projectId}/volumes/${id}` },
  ];
}

/** Cinder's timestamps: microseconds, no zone. */
const cinderTime = (t: string | null) => (t ? t.replace('Z', '.000000') : null);

export function volumeSummary(v: Volume, base: LinkBase) {
  return { id: v.id, name: v.name, links: links(base, v.id) };
}

export function volumeDetail(v: Volume, attachments: VolumeAttachment[], base: LinkBase, isAdmin: boolean) {
  const body: Record<string, unknown> = {
    id: v.id,
    name: v.name,
    description: v.description,
    status: v.status,
    size: v.size,
    availability_zone: 'nova',
    created_at: cinderTime(v.created_at),
    updated_at: cinderTime(v.updated_at),
    volume_type: '__DEFAULT__',
    snapshot_id: v.snapshot_id,
    source_volid: null,
    metadata: v.metadata,
    bootable: v.bootable ? 'true' : 'false',
    encrypted: false,
    multiattach: false,
    replication_status: null,
    consistencygroup_id: null,
    user_id: v.user_id,
    attachments: attachments.map((a) => ({
      id: a.volume_id, attachment_id: a.id, volume_id: a.volume_id, server_id: a.instance_uuid, host_name: a.host,
      device: a.device, attached_at: cinderTime(a.attached_at),
    })),
    links: links(base, v.id),
    'os-vol-tenant-attr:tenant_id': v.project_id,
  };
  if (v.image_id) body.volume_image_metadata = { image_id: v.image_id };
  if (isAdmin) body['os-vol-host-attr:host'] = v.host;
  return body;
}

/** Nova's os-volume_attachments entry. */
export function attachmentView(a: VolumeAttachment) {
  return { id: a.volume_id, volumeId: a.volume_id, serverId: a.instance_uuid, device: a.device };
}
