import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerBroker, ContainerSyncStore } from '../../storage/index.js';

const devices = mkdtempSync(join(tmpdir(), 'swiftly-sync-store-'));
after(() => rmSync(devices, { recursive: true, force: true }));
const store = new ContainerSyncStore(devices);
const hash = 'e7ac928cd488f6b87c4a0b01419a73dd';
const dbFile = join(devices, 'sdb1', 'containers', '7', '3dd', hash, `${hash}.db`);
const link = join(devices, 'sdb1', 'sync_containers', '7', '3dd', hash, `${hash}.db`);

test("a container DB's link sits at the same place under sync_containers, and back", () => {
  assert.equal(store.syncedPath(dbFile), link);
  assert.equal(store.containerPath(link), dbFile);
  assert.equal(store.syncedPath(join(devices, 'sdb1', 'accounts', '7', '3dd', hash, `${hash}.db`)), undefined);
  assert.equal(store.syncedPath('/elsewhere/sdb1/containers/7/3dd/x/x.db'), undefined);
});

test('update: nothing for a container never set to sync, a link once it has target and key, none once one is cleared or it is deleted', () => {
  const broker = new ContainerBroker(dbFile, 'a', 'c');
  broker.initialize('1700000000.00000', 0);
  store.update(broker);
  assert.ok(!existsSync(join(devices, 'sdb1', 'sync_containers')));
  broker.updateMetadata({ 'X-Container-Sync-To': ['//r/c/a/c', '1700000001.00000'] });
  store.update(broker);
  assert.ok(!existsSync(link), 'a target without a key is not synced');
  broker.updateMetadata({ 'X-Container-Sync-Key': ['k', '1700000001.00000'] });
  store.update(broker);
  assert.equal(readlinkSync(link), dbFile);
  store.update(broker);
  assert.ok(lstatSync(link).isSymbolicLink(), 'adding twice is fine');
  broker.updateMetadata({ 'X-Container-Sync-Key': ['', '1700000002.00000'] });
  store.update(broker);
  assert.ok(!existsSync(join(devices, 'sdb1', 'sync_containers')), 'the link and the dirs it emptied are gone');
  broker.updateMetadata({ 'X-Container-Sync-Key': ['k', '1700000003.00000'] });
  store.update(broker);
  assert.ok(existsSync(link));
  broker.deleteDb('1700000004.00000');
  store.update(broker);
  assert.ok(!existsSync(link), 'a deleted container is not synced');
  broker.close();
});
