/** compute's records and Nova's state words (nova/compute/vm_states.py, task_states.py, power_state.py). */
import type { RequestedNetworks } from './network/types.js';

export const VmState = {
  ACTIVE: 'active', BUILDING: 'building', PAUSED: 'paused', SUSPENDED: 'suspended', STOPPED: 'stopped',
  RESIZED: 'resized', DELETED: 'deleted', ERROR: 'error',
} as const;
export type VmState = (typeof VmState)[keyof typeof VmState];

export const TaskState = {
  SCHEDULING: 'scheduling', SPAWNING: 'spawning', IMAGE_SNAPSHOT: 'image_snapshot', IMAGE_UPLOADING: 'image_uploading',
  RESIZE_PREP: 'resize_prep', RESIZE_MIGRATING: 'resize_migrating', RESIZE_FINISH: 'resize_finish',
  RESIZE_REVERTING: 'resize_reverting', RESIZE_CONFIRMING: 'resize_confirming',
  REBOOTING: 'rebooting', REBOOTING_HARD: 'rebooting_hard', PAUSING: 'pausing', UNPAUSING: 'unpausing',
  SUSPENDING: 'suspending', RESUMING: 'resuming', POWERING_OFF: 'powering-off', POWERING_ON: 'powering-on',
  REBUILDING: 'rebuilding', REBUILD_SPAWNING: 'rebuild_spawning', DELETING: 'deleting',
} as const;
export type TaskState = (typeof TaskState)[keyof typeof TaskState];

/** Nova's power_state numbers, as the API shows them in OS-EXT-STS:power_state. */
export const PowerState = { NOSTATE: 0, RUNNING: 1, PAUSED: 3, SHUTDOWN: 4, CRASHED: 6, SUSPENDED: 7 } as const;
export type PowerState = (typeof PowerState)[keyof typeof PowerState];

export interface Flavor {
  flavorid: string;
  name: string;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  swap: number;
  rxtx_factor: number;
  is_public: boolean;
  disabled: boolean;
  description: string | null;
  extra_specs: Record<string, string>;
}

export interface Instance {
  uuid: string;
  display_name: string;
  project_id: string;
  user_id: string;
  image_ref: string;
  /** Image properties the scheduler matches (architecture, hypervisor_type, …). */
  image_properties: Record<string, string>;
  flavor: Flavor;
  old_flavor: Flavor | null;
  new_flavor: Flavor | null;
  host: string | null;
  node: string | null;
  resize_source_host: string | null;
  availability_zone: string | null;
  vm_state: VmState;
  task_state: TaskState | null;
  power_state: PowerState;
  metadata: Record<string, string>;
  key_name: string | null;
  /** The networks asked for at create (`networks` in the body); null: every network the project may use. */
  requested_networks?: RequestedNetworks | null;
  /** Boot with a config drive (Nova's `config_drive`). */
  config_drive: boolean;
  /** The `user_data` given at create, base64 as the API took it (Nova keeps it so). */
  user_data: string | null;
  progress: number;
  launched_at: string | null;
  terminated_at: string | null;
  created_at: string;
  updated_at: string | null;
  deleted_at: string | null;
  deleted: boolean;
}

export interface ServiceRecord {
  id: number;
  binary: string;
  host: string;
  topic: string;
  availability_zone: string;
  disabled: boolean;
  disabled_reason: string | null;
  report_count: number;
  /** ms since the epoch of the last heartbeat. */
  last_seen_up: number | null;
  created_at: string;
  updated_at: string | null;
}

export interface ComputeNode {
  host: string;
  hypervisor_type: string;
  cpu_arch: string;
  vcpus: number;
  memory_mb: number;
  local_gb: number;
  vcpus_used: number;
  memory_mb_used: number;
  local_gb_used: number;
  running_vms: number;
  updated_at: string | null;
}

export interface InstanceFault {
  instance_uuid: string;
  code: number;
  message: string;
  details: string;
  host: string | null;
  created_at: string;
}

export interface InstanceAction {
  instance_uuid: string;
  action: string;
  request_id: string;
  user_id: string | null;
  project_id: string | null;
  start_time: string;
  finish_time: string | null;
  result: string | null;
  message: string | null;
}

/** Nova's timestamp shape in API bodies: second precision, `Z`. */
export function novaTime(d: Date = new Date()): string {
  return d.toISOString().slice(0, 19) + 'Z';
}
