import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkInstanceState, statusFromState, vmStatesForStatus, ACTION_RULES } from '../../compute/api/state-machine.js';
import { InstanceInvalidStateError } from '../../compute/errors.js';
import type { Instance } from '../../compute/model.js';

const inst = (vm_state: string, task_state: string | null) => ({ uuid: 'u-1', vm_state, task_state }) as unknown as Instance;

test('status shown for vm/task state pairs, as Nova maps them', () => {
  assert.equal(statusFromState('building', 'spawning'), 'BUILD');
  assert.equal(statusFromState('active', null), 'ACTIVE');
  assert.equal(statusFromState('active', 'rebooting'), 'REBOOT');
  assert.equal(statusFromState('active', 'rebooting_hard'), 'HARD_REBOOT');
  assert.equal(statusFromState('active', 'resize_migrating'), 'RESIZE');
  assert.equal(statusFromState('active', 'image_snapshot'), 'ACTIVE');
  assert.equal(statusFromState('active', 'deleting'), 'ACTIVE');
  assert.equal(statusFromState('stopped', null), 'SHUTOFF');
  assert.equal(statusFromState('resized', null), 'VERIFY_RESIZE');
  assert.equal(statusFromState('resized', 'resize_reverting'), 'REVERT_RESIZE');
  assert.equal(statusFromState('error', 'rebuilding'), 'REBUILD');
  assert.deepEqual(vmStatesForStatus('shutoff'), ['stopped']);
  assert.deepEqual(vmStatesForStatus('NOPE'), []);
});

test('actions are allowed only from their states, with Nova\'s 409 message', () => {
  assert.equal(checkInstanceState(inst('active', null), 'pause').taskState, 'pausing');
  assert.throws(() => checkInstanceState(inst('paused', null), 'pause'), (e: unknown) => e instanceof InstanceInvalidStateError && e.status === 409 && e.message === "Cannot 'pause' instance u-1 while it is in vm_state paused");
  assert.throws(() => checkInstanceState(inst('active', 'rebooting'), 'pause'), /while it is in task_state rebooting$/);
  assert.throws(() => checkInstanceState(inst('stopped', null), 'reboot_soft'), /Cannot 'reboot'/);
  assert.equal(checkInstanceState(inst('stopped', null), 'reboot_hard').taskState, 'rebooting_hard');
  assert.equal(checkInstanceState(inst('active', 'rebooting'), 'reboot_hard').taskState, 'rebooting_hard', 'HARD may interrupt a SOFT reboot');
  assert.throws(() => checkInstanceState(inst('active', null), 'confirmResize'));
  assert.throws(() => checkInstanceState(inst('building', 'spawning'), 'stop'));
  // Every action sets a task state the compute manager recognises.
  for (const rule of Object.values(ACTION_RULES)) assert.match(rule.taskState, /^[a-z_-]+$/);
});
