/**
 * Which action an instance accepts in which state, and the task state it
 * takes while the action runs (Nova's @check_instance_state decorators in
 * nova/compute/api.py), plus the API status shown for a vm/task state pair
 * (nova/api/openstack/common.py _STATE_MAP).
 */
import { InstanceInvalidStateError } from '../errors.js';
import { TaskState, VmState, type Instance } from '../model.js';

export interface ActionRule {
  vmStates: readonly string[];
  /** Allowed task states; `[null]` means "no task running". */
  taskStates: readonly (string | null)[];
  /** Task state set by the API before casting to the compute. */
  taskState: string;
}

const { ACTIVE, PAUSED, SUSPENDED, STOPPED, RESIZED, ERROR } = VmState;
const IDLE = [null] as const;

export const ACTION_RULES = {
  reboot_soft: { vmStates: [ACTIVE], taskStates: IDLE, taskState: TaskState.REBOOTING },
  reboot_hard: {
    vmStates: [ACTIVE, PAUSED, SUSPENDED, STOPPED, ERROR],
    taskStates: [null, TaskState.REBOOTING, TaskState.REBOOTING_HARD],
    taskState: TaskState.REBOOTING_HARD,
  },
  rebuild: { vmStates: [ACTIVE, STOPPED, ERROR], taskStates: IDLE, taskState: TaskState.REBUILDING },
  resize: { vmStates: [ACTIVE, STOPPED], taskStates: IDLE, taskState: TaskState.RESIZE_PREP },
  confirmResize: { vmStates: [RESIZED], taskStates: IDLE, taskState: TaskState.RESIZE_CONFIRMING },
  revertResize: { vmStates: [RESIZED], taskStates: IDLE, taskState: TaskState.RESIZE_REVERTING },
  createImage: { vmStates: [ACTIVE, STOPPED, PAUSED, SUSPENDED], taskStates: IDLE, taskState: TaskState.IMAGE_SNAPSHOT },
  start: { vmStates: [STOPPED], taskStates: IDLE, taskState: TaskState.POWERING_ON },
  stop: { vmStates: [ACTIVE, ERROR], taskStates: IDLE, taskState: TaskState.POWERING_OFF },
  pause: { vmStates: [ACTIVE], taskStates: IDLE, taskState: TaskState.PAUSING },
  unpause: { vmStates: [PAUSED], taskStates: IDLE, taskState: TaskState.UNPAUSING },
  suspend: { vmStates: [ACTIVE], taskStates: IDLE, taskState: TaskState.SUSPENDING },
  resume: { vmStates: [SUSPENDED], taskStates: IDLE, taskState: TaskState.RESUMING },
} as const satisfies Record<string, ActionRule>;

export type ActionName = keyof typeof ACTION_RULES;

/** Nova's method names, for its 409 messages ("Cannot 'pause' instance …"). */
const NOVA_METHOD: Record<ActionName, string> = {
  reboot_soft: 'reboot', reboot_hard: 'reboot', rebuild: 'rebuild', resize: 'resize', confirmResize: 'confirmResize',
  revertResize: 'revertResize', createImage: 'createImage', start: 'start', stop: 'stop', pause: 'pause',
  unpause: 'unpause', suspend: 'suspend', resume: 'resume',
};

/** Throws Nova's 409 when `inst` cannot take `action` now. */
export function checkInstanceState(inst: Instance, action: ActionName): ActionRule {
  const rule: ActionRule = ACTION_RULES[action];
  if (!rule.vmStates.includes(inst.vm_state)) {
    throw new InstanceInvalidStateError(`Cannot '${NOVA_METHOD[action]}' instance ${inst.uuid} while it is in vm_state ${inst.vm_state}`);
  }
  if (!rule.taskStates.includes(inst.task_state)) {
    throw new InstanceInvalidStateError(`Cannot '${NOVA_METHOD[action]}' instance ${inst.uuid} while it is in task_state ${inst.task_state}`);
  }
  return rule;
}

const STATE_MAP: Record<string, Record<string, string>> = {
  active: {
    default: 'ACTIVE', rebooting: 'REBOOT', rebooting_hard: 'HARD_REBOOT', rebuilding: 'REBUILD', rebuild_spawning: 'REBUILD',
    resize_prep: 'RESIZE', resize_migrating: 'RESIZE', resize_finish: 'RESIZE', resize_reverting: 'REVERT_RESIZE',
  },
  building: { default: 'BUILD' },
  stopped: { default: 'SHUTOFF', resize_prep: 'RESIZE', resize_migrating: 'RESIZE', resize_finish: 'RESIZE', rebuilding: 'REBUILD', rebuild_spawning: 'REBUILD' },
  resized: { default: 'VERIFY_RESIZE', resize_reverting: 'REVERT_RESIZE' },
  paused: { default: 'PAUSED', rebooting_hard: 'HARD_REBOOT' },
  suspended: { default: 'SUSPENDED', rebooting_hard: 'HARD_REBOOT' },
  error: { default: 'ERROR', rebuilding: 'REBUILD', rebuild_spawning: 'REBUILD', rebooting_hard: 'HARD_REBOOT' },
  deleted: { default: 'DELETED' },
};

/** The `status` the API shows. */
export function statusFromState(vmState: string, taskState: string | null): string {
  const m = STATE_MAP[vmState];
  if (!m) return 'UNKNOWN';
  return (taskState !== null && m[taskState]) || m.default;
}

/** The vm states a `status` filter of the servers list means (Nova: task_and_vm_state_from_status). */
export function vmStatesForStatus(status: string): string[] {
  const want = status.toUpperCase();
  return Object.entries(STATE_MAP).filter(([, m]) => Object.values(m).includes(want)).map(([vm]) => vm);
}
