/**
 * The libvirt driver against libvirt's `test:///default` driver (one
 * long-lived virsh: that driver keeps state only within a connection):
 * domains defined from our XML, power operations, resize on restart,
 * snapshot of the overlay, cleanup on destroy. Real guests: the
 * compute-libvirt integration test.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { LibvirtDriver, type LibvirtImages } from '../../compute/driver/index.js';
import type { ImageRecord } from '../../compute/image/index.js';
import { PowerState, type Flavor, type Instance } from '../../compute/model.js';

function have(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const missing = ['virsh', 'qemu-img'].filter((c) => !have(c));
// .ci/run installs them, so under CI a missing one fails these tests instead of skipping them.
const skip = missing.length && !process.env.CI ? `${missing.join(' and ')} not installed` : false;
if (skip) console.log(`# skipping the libvirt driver tests: ${skip}`);

const flavor = (memory_mb: number, vcpus: number): Flavor => ({
  flavorid: `f${memory_mb}`, name: `f${memory_mb}`, memory_mb, vcpus, root_gb: 1, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, is_public: true, disabled: false,
  description: null, extra_specs: {},
} as Flavor);
const instance = (f: Flavor): Instance => ({ uuid: randomUUID(), display_name: 'vm', flavor: f } as Instance);

class Images implements LibvirtImages {
  readonly data = new Map<string, Buffer>();
  readonly patches: unknown[] = [];
  async fetchTo(id: string, path: string): Promise<ImageRecord> {
    const d = this.data.get(id)!;
    writeFileSync(path, d);
    return { id, size: d.length, disk_format: 'raw', checksum: createHash('md5').update(d).digest('hex') } as ImageRecord;
  }
  async upload(id: string, body: Readable): Promise<ImageRecord> {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    this.data.set(id, Buffer.concat(chunks));
    return { id } as ImageRecord;
  }
  async patch(id: string, ops: unknown[]): Promise<unknown> {
    this.patches.push({ id, ops });
    return {};
  }
}

describe('libvirt driver on test:///default', { skip }, () => {
  let dir: string;
  let images: Images;
  let driver: LibvirtDriver;
  const image = { id: 'img-boot', name: 'boot', size: 512, disk_format: 'raw', properties: {} };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'swiftly-libvirt-unit-'));
    images = new Images();
    images.data.set('img-boot', Buffer.concat([Buffer.alloc(510), Buffer.from([0x55, 0xaa])]));
    driver = new LibvirtDriver({ images, connectionUri: 'test:///default', instancesPath: dir, shutdownTimeoutMs: 2000, softRebootTimeoutMs: 2000 });
    await driver.initHost('test');
  });

  after(async () => {
    await driver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('spawns a running domain named by the instance, with its overlay on the cached base', async () => {
    const inst = instance(flavor(64, 1));
    await driver.spawn(inst, image);
    const info = await driver.getInfo(inst.uuid);
    assert.deepEqual(info, { uuid: inst.uuid, power_state: PowerState.RUNNING, memory_mb: 64, vcpus: 1 });
    const overlay = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', join(dir, inst.uuid, 'disk')]).toString());
    assert.equal(overlay.format, 'qcow2');
    assert.equal(overlay['backing-filename'], driver.cache.pathOf('img-boot'));
    assert.equal(overlay['virtual-size'], 1024 ** 3, 'the overlay grows to the flavor root disk');
    const xml = await driver.virsh.run(['dumpxml', `instance-${inst.uuid}`]);
    assert.match(xml, new RegExp(`<uuid>${inst.uuid}</uuid>`));
    assert.match(xml, new RegExp(`<source path='${join(dir, inst.uuid, 'console.log')}'`));
    assert.deepEqual((await driver.listInstances()).map((g) => g.uuid), [inst.uuid], 'only guests with a directory here are listed');
    await driver.destroy(inst);
  });

  it('boots from a root volume: its file is vda, no overlay nor cached image; destroy leaves the volume file', async () => {
    const inst = instance(flavor(64, 1));
    const vol = join(dir, 'volume-root');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', vol, '1G']);
    await driver.spawn(inst, { id: '', name: '', size: 0, disk_format: '', properties: {} }, [], { volumeId: 'root-vol', device: 'vda', path: vol, format: 'qcow2' });
    assert.equal((await driver.getInfo(inst.uuid))?.power_state, PowerState.RUNNING);
    assert.equal(existsSync(join(dir, inst.uuid, 'disk')), false, 'no overlay');
    const xml = (await driver.virsh.run(['dumpxml', `instance-${inst.uuid}`]))!;
    assert.match(xml, new RegExp(`<source file='${vol}'[^>]*/>[\\s\\S]*?<target dev='vda' bus='virtio'/>`));
    assert.match(readFileSync(join(dir, inst.uuid, 'libvirt.xml'), 'utf8'), new RegExp(`<source file='${vol}'/>\\s*<backingStore/>\\s*<target dev='vda'`));
    await driver.destroy(inst);
    assert.equal(existsSync(vol), true, 'the volume outlives the guest');
    rmSync(vol);
  });

  it('moves through power states as libvirt reports them', async () => {
    const inst = instance(flavor(64, 1));
    await driver.spawn(inst, image);
    const state = async () => (await driver.getInfo(inst.uuid))?.power_state;
    await driver.pause(inst);
    assert.equal(await state(), PowerState.PAUSED);
    await driver.unpause(inst);
    assert.equal(await state(), PowerState.RUNNING);
    await driver.powerOff(inst);
    assert.equal(await state(), PowerState.SHUTDOWN);
    await driver.powerOff(inst); // already off: nothing to do
    await driver.powerOn(inst);
    assert.equal(await state(), PowerState.RUNNING);
    await driver.reboot(inst, 'SOFT');
    assert.equal(await state(), PowerState.RUNNING);
    await driver.reboot(inst, 'HARD');
    assert.equal(await state(), PowerState.RUNNING);
    await driver.suspend(inst);
    assert.equal(await state(), PowerState.SUSPENDED);
    await driver.resume(inst);
    assert.equal(await state(), PowerState.RUNNING);
    await driver.destroy(inst);
  });

  it('applies a new flavor when the guest next starts', async () => {
    const inst = instance(flavor(64, 1));
    await driver.spawn(inst, image);
    await driver.powerOff(inst);
    await driver.resize(inst, flavor(128, 2));
    await driver.powerOn(inst);
    const info = await driver.getInfo(inst.uuid);
    assert.equal(info?.memory_mb, 128);
    assert.equal(info?.vcpus, 2);
    await driver.destroy(inst);
  });

  it('snapshots the overlay as a standalone qcow2 uploaded to the image', async () => {
    const inst = instance(flavor(64, 1));
    await driver.spawn(inst, image);
    const { size } = await driver.snapshot(inst, 'img-snap');
    const snap = images.data.get('img-snap')!;
    assert.equal(snap.length, size);
    assert.equal(snap.subarray(0, 4).toString('latin1'), 'QFI\xfb', 'qcow2 magic');
    assert.deepEqual(images.patches.at(-1), { id: 'img-snap', ops: [{ op: 'replace', path: '/disk_format', value: 'qcow2' }, { op: 'replace', path: '/container_format', value: 'bare' }] });
    assert.equal((await driver.getInfo(inst.uuid))?.power_state, PowerState.RUNNING, 'the guest runs again after the snapshot');
    assert.ok(!existsSync(join(dir, inst.uuid, 'snapshot-img-snap.qcow2')), 'the temporary copy is gone');
    const check = join(dir, 'snap-check.raw');
    writeFileSync(join(dir, 'snap.qcow2'), snap);
    execFileSync('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', join(dir, 'snap.qcow2'), check]);
    assert.deepEqual(readFileSync(check).subarray(0, 512), images.data.get('img-boot'), 'the snapshot holds the guest disk');
    await driver.destroy(inst);
  });

  it('destroy undefines the domain and removes its files; unknown guests are not an error', async () => {
    const inst = instance(flavor(64, 1));
    await driver.spawn(inst, image);
    await driver.destroy(inst);
    assert.equal(await driver.getInfo(inst.uuid), undefined);
    assert.ok(!existsSync(join(dir, inst.uuid)));
    await driver.destroy(inst);
    await assert.rejects(driver.powerOn(inst), /failed to get domain/);
    assert.ok(existsSync(driver.cache.pathOf('img-boot')), 'the base stays cached for the next boot');
  });
});
