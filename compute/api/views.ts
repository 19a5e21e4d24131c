/** Nova's response bodies for servers, flavors, images and faults (nova/api/openstack/compute/views). */
import { createHash } from 'node:crypto';
import type { Flavor, Instance, InstanceFault } from '../model.js';
import type { ImageRecord } from '../image/index.js';
import { statusFromState } from './state-machine.js';

/** Where links point: `http://host:port` and the project of the request. */
export interface LinkBase {
  origin: string;
  projectId: string;
}

function links(base: LinkBase, collection: string, id: string) {
  return [
    { rel: 'self', href: `${base.origin}/v2.1/${base.projectId}/${collection}/${id}` },
    { rel: 'bookmark', href: `${base.origin}/${base.projectId}/${collection}/${id}` },
  ];
}

export function serverRef(inst: Instance, base: LinkBase) {
  return { id: inst.uuid, name: inst.display_name, links: links(base, 'servers', inst.uuid) };
}

/** Nova's hostId: sha224 of project id + host, so tenants can tell co-located servers apart without learning host names. */
function hostId(inst: Instance): string {
  return inst.host ? createHash('sha224').update(inst.project_id + inst.host).digest('hex') : '';
}

export interface ServerDetailOptions {
  isAdmin: boolean;
  fault?: InstanceFault;
  /** Nova's `addresses`: per network label, its fixed and floating addresses. */
  addresses?: Record<string, unknown[]>;
  /** Names of the server's security groups. */
  securityGroups?: string[];
  /** Ids of the volumes attached to it. */
  volumes?: string[];
}

export function serverDetail(inst: Instance, base: LinkBase, opts: ServerDetailOptions) {
  const status = statusFromState(inst.vm_state, inst.task_state);
  const body: Record<string, unknown> = {
    id: inst.uuid,
    name: inst.display_name,
    status,
    tenant_id: inst.project_id,
    user_id: inst.user_id,
    metadata: inst.metadata,
    hostId: hostId(inst),
    // A volume-backed server has no image: Nova shows "".
    image: inst.image_ref === '' ? '' : { id: inst.image_ref, links: [{ rel: 'bookmark', href: `${base.origin}/${base.projectId}/images/${inst.image_ref}` }] },
    flavor: { id: inst.flavor.flavorid, links: [{ rel: 'bookmark', href: `${base.origin}/${base.projectId}/flavors/${inst.flavor.flavorid}` }] },
    created: inst.created_at,
    updated: inst.updated_at ?? inst.created_at,
    addresses: opts.addresses ?? {},
    accessIPv4: '',
    accessIPv6: '',
    links: links(base, 'servers', inst.uuid),
    'OS-DCF:diskConfig': 'MANUAL',
    progress: ['BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE'].includes(status) ? inst.progress : 0,
    'OS-EXT-AZ:availability_zone': inst.availability_zone ?? (inst.host ? 'nova' : ''),
    config_drive: inst.config_drive ? 'True' : '',
    key_name: inst.key_name,
    'OS-SRV-USG:launched_at': inst.launched_at ? inst.launched_at.replace('Z', '.000000') : null,
    'OS-SRV-USG:terminated_at': inst.terminated_at ? inst.terminated_at.replace('Z', '.000000') : null,
    'OS-EXT-STS:task_state': inst.task_state,
    'OS-EXT-STS:vm_state': inst.vm_state,
    'OS-EXT-STS:power_state': inst.power_state,
    'os-extended-volumes:volumes_attached': (opts.volumes ?? []).map((id) => ({ id })),
    security_groups: (opts.securityGroups ?? []).map((name) => ({ name })),
  };
  if (opts.isAdmin) {
    body['OS-EXT-SRV-ATTR:host'] = inst.host;
    body['OS-EXT-SRV-ATTR:hypervisor_hostname'] = inst.node;
    body['OS-EXT-SRV-ATTR:instance_name'] = `instance-${inst.uuid.slice(0, 8)}`;
  }
  if (opts.fault && (status === 'ERROR' || status === 'DELETED')) {
    const f: Record<string, unknown> = { code: opts.fault.code, created: opts.fault.created_at, message: opts.fault.message };
    // Nova shows details to admins, and to everyone for non-500 faults.
    if (opts.isAdmin || opts.fault.code !== 500) f.details = opts.fault.details;
    body.fault = f;
  }
  return body;
}

export function flavorRef(f: Flavor, base: LinkBase) {
  return { id: f.flavorid, name: f.name, links: links(base, 'flavors', f.flavorid) };
}

export function flavorDetail(f: Flavor, base: LinkBase) {
  return {
    id: f.flavorid,
    name: f.name,
    ram: f.memory_mb,
    disk: f.root_gb,
    vcpus: f.vcpus,
    'OS-FLV-EXT-DATA:ephemeral': f.ephemeral_gb,
    'OS-FLV-DISABLED:disabled': f.disabled,
    swap: f.swap === 0 ? '' : f.swap,
    rxtx_factor: f.rxtx_factor,
    'os-flavor-access:is_public': f.is_public,
    links: links(base, 'flavors', f.flavorid),
  };
}

const IMAGE_STATUS: Record<string, string> = { active: 'ACTIVE', queued: 'SAVING', saving: 'SAVING', killed: 'ERROR', deleted: 'DELETED' };

export function imageDetail(img: ImageRecord, base: LinkBase) {
  const status = IMAGE_STATUS[img.status] ?? 'UNKNOWN';
  return {
    id: img.id,
    name: img.name,
    status,
    progress: status === 'ACTIVE' ? 100 : status === 'SAVING' ? 25 : 0,
    minRam: img.min_ram,
    minDisk: img.min_disk,
    metadata: img.properties,
    created: img.created_at,
    updated: img.updated_at ?? img.created_at,
    'OS-EXT-IMG-SIZE:size': img.size,
    links: links(base, 'images', img.id),
  };
}

/** Nova's fault names by status (nova/api/openstack/wsgi.py Fault). */
const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound', 405: 'badMethod',
  409: 'conflictingRequest', 413: 'overLimit', 415: 'badMediaType', 429: 'overLimit', 501: 'notImplemented', 503: 'serviceUnavailable',
};

export function faultBody(status: number, message: string) {
  return { [FAULT_NAMES[status] ?? 'computeFault']: { code: status, message } };
}
