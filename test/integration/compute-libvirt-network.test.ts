/**
 * The libvirt driver with a guest on a network whose bridge lives in a
 * network namespace (the Linux network driver's `netns`): a real qemu guest
 * (a 512-byte boot sector made here) gets an unmanaged tap that qemu opens
 * in our namespace and that is then moved onto the bridge inside the
 * namespace; stop/start and destroy keep it there or remove it. The
 * machine's namespace keeps nothing (no tap, no bridge).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LibvirtDriver, type LibvirtImages } from '../../compute/driver/index.js';
import type { ImageRecord } from '../../compute/image/index.js';
import { PowerState, type Flavor, type Instance } from '../../compute/model.js';
import { tapDevice, type Network, type NetworkInfo } from '../../compute/network/index.js';
import { LinuxNetworkDriver } from '../../compute/network/linux/index.js';
import { NetnsLab, netnsUnavailable } from '../helpers/netns.js';
import { libvirtMissing } from '../helpers/guest/guest-cloud.js';

const unavailable = libvirtMissing() ?? (await netnsUnavailable(['nft', 'dnsmasq']));

/** Halts at once: the guest only needs to run, holding its NIC. */
function bootSector(): Buffer {
  const sector = Buffer.alloc(512);
  Buffer.from([0xfa, 0xf4, 0xeb, 0xfd]).copy(sector, 0); // cli; hlt; jmp $-1
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

class Images implements LibvirtImages {
  async fetchTo(id: string, path: string): Promise<ImageRecord> {
    const d = bootSector();
    await writeFile(path, d);
    return { id, size: d.length, disk_format: 'raw', checksum: createHash('md5').update(d).digest('hex') } as ImageRecord;
  }
  async upload(): Promise<ImageRecord> {
    throw new Error('not used');
  }
  async patch(): Promise<unknown> {
    throw new Error('not used');
  }
}

const net: Network = { id: 'n1', label: 'private', cidr: '10.20.0.0/24', bridge: 'br100', gateway: '10.20.0.1', dns: [] };
const MAC = 'fa:16:3e:20:00:05';
const TAP = tapDevice(MAC);

describe('libvirt guest NIC on a bridge in a network namespace', { skip: unavailable ?? false }, () => {
  const lab = new NetnsLab();
  let hostNs = '';
  let dir = '';
  let netDriver: LinuxNetworkDriver;
  let driver: LibvirtDriver;
  const instance = {
    uuid: randomUUID(), display_name: 'nic', config_drive: false, image_properties: {},
    flavor: { flavorid: 'f', name: 'f', memory_mb: 32, vcpus: 1, root_gb: 0, ephemeral_gb: 0, swap: 0 } as Flavor,
  } as unknown as Instance;

  /** `ip -o link` of the tap in a namespace (undefined: not there). */
  async function tapIn(ns?: string): Promise<string | undefined> {
    try {
      return ns ? await lab.ip(ns, ['-o', 'link', 'show', 'dev', TAP]) : execFileSync('ip', ['-o', 'link', 'show', 'dev', TAP], { stdio: 'pipe' }).toString();
    } catch {
      return undefined;
    }
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'swiftly-libvirt-net-'));
    await chmod(dir, 0o755);
    hostNs = await lab.add('host');
    netDriver = new LinuxNetworkDriver({ stateDir: join(dir, 'networks'), netns: hostNs, dnsUpstream: [] });
    await netDriver.setupNetwork(net);
    driver = new LibvirtDriver({
      images: new Images(), connectionUri: 'qemu:///system', instancesPath: join(dir, 'instances'), networkNamespace: hostNs, shutdownTimeoutMs: 500,
    });
    await driver.initHost('test');
  });

  after(async () => {
    await driver?.destroy(instance).catch(() => {});
    await driver?.close();
    await netDriver?.teardownNetwork(net).catch(() => {});
    await lab.cleanup();
    await rm(dir, { recursive: true, force: true });
    assert.equal(await tapIn(), undefined, 'no tap left in the machine namespace');
  });

  it('qemu gets a virtio NIC on an unmanaged tap that ends on the bridge inside the namespace; stop/start and destroy follow it', async () => {
    const info: NetworkInfo = [{ instanceUuid: instance.uuid, network: net, mac: MAC, address: '10.20.0.5', device: TAP }];
    await driver.spawn(instance, { id: 'img', name: 'boot', size: 512, disk_format: 'raw', properties: {} }, info);
    const xml = execFileSync('virsh', ['-c', 'qemu:///system', 'dumpxml', `instance-${instance.uuid}`]).toString();
    assert.match(xml, new RegExp(`<interface type='ethernet'>[\\s\\S]*<mac address='${MAC}'/>[\\s\\S]*<target dev='${TAP}' managed='no'/>[\\s\\S]*<model type='virtio'/>`));

    let link = await tapIn(hostNs);
    assert.ok(link, 'the tap is in the namespace');
    assert.match(link, /master br100/);
    assert.match(link, /LOWER_UP/, 'qemu holds the tap (carrier up)');
    assert.equal(await tapIn(), undefined, 'not in the machine namespace');

    await driver.powerOff(instance);
    assert.equal((await driver.getInfo(instance.uuid))?.power_state, PowerState.SHUTDOWN);
    await driver.powerOn(instance);
    assert.equal((await driver.getInfo(instance.uuid))?.power_state, PowerState.RUNNING);
    link = await tapIn(hostNs);
    assert.ok(link && /master br100/.test(link) && /LOWER_UP/.test(link), `after a restart: ${link}`);
    assert.equal(await tapIn(), undefined);

    await driver.destroy(instance);
    assert.equal(await tapIn(hostNs), undefined, 'destroy removes the tap');
    assert.equal(await tapIn(), undefined);
  });
});
