/** The libvirt driver's domain XML: what a guest is made of, escaping, and input checks. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { domainXml, type DomainSpec } from '../../compute/driver/libvirt/index.js';

const spec: DomainSpec = {
  name: 'instance-1b4e28ba-2fa1-11d2-883f-0016d3cca427', uuid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427', virtType: 'qemu',
  memoryMb: 64, vcpus: 2, diskPath: '/srv/instances/1b4e28ba/disk', backing: { path: '/srv/instances/_base/0a1b', format: 'raw' }, consolePath: '/srv/instances/1b4e28ba/console.log', displayName: 'web-1',
};

/** The text of the first `<tag …>text</tag>`, or the attributes of `<tag …/>`. */
function element(xml: string, tag: string): { attrs: string; text: string } | undefined {
  const m = new RegExp(`<${tag}((?:\\s[^>]*?)?)(?:/>|>([^<]*)</${tag}>)`).exec(xml);
  return m ? { attrs: m[1] ?? '', text: m[2] ?? '' } : undefined;
}

describe('libvirt domain XML', () => {
  it('describes the guest: type, name, uuid, memory in KiB, vCPUs', () => {
    const xml = domainXml(spec);
    assert.match(xml, /^<domain type='qemu'>/);
    assert.equal(element(xml, 'name')?.text, spec.name);
    assert.equal(element(xml, 'uuid')?.text, spec.uuid);
    assert.equal(element(xml, 'memory')?.text, String(64 * 1024));
    assert.match(element(xml, 'memory')!.attrs, /unit='KiB'/);
    assert.equal(element(xml, 'currentMemory')?.text, String(64 * 1024));
    assert.equal(element(xml, 'vcpu')?.text, '2');
    assert.match(domainXml({ ...spec, virtType: 'kvm' }), /^<domain type='kvm'>/);
  });

  it('boots from the qcow2 overlay, logs the serial console to a file, and has a user-mode NIC', () => {
    const xml = domainXml(spec);
    assert.match(xml, /<boot dev='hd'\/>/);
    assert.match(xml, /<driver name='qemu' type='qcow2'\/>\s*<source file='\/srv\/instances\/1b4e28ba\/disk'\/>/);
    assert.match(xml, /<serial type='file'>\s*<source path='\/srv\/instances\/1b4e28ba\/console.log' append='on'\/>\s*<target port='0'\/>/);
    assert.match(xml, /<interface type='user'>/);
    assert.doesNotMatch(xml, /<interface type='(bridge|network|direct)'/);
    assert.doesNotMatch(xml, /<graphics/);
  });

  it('the disk and the NIC are virtio; the NIC has the MAC it was given', () => {
    const xml = domainXml({ ...spec, mac: 'fa:16:3e:01:02:03' });
    assert.match(xml, /<source file='\/srv\/instances\/1b4e28ba\/disk'\/>\s*<backingStore[\s\S]*?<\/backingStore>\s*<target dev='vda' bus='virtio'\/>/);
    assert.match(xml, /<interface type='user'>\s*<mac address='fa:16:3e:01:02:03'\/>\s*<model type='virtio'\/>/);
    assert.doesNotMatch(xml, /bus='ide'|e1000|<kernel>|device='cdrom'/);
  });

  it('direct kernel boot (kernel, initrd, command line) instead of BIOS boot, and the config drive as a read-only cdrom', () => {
    const xml = domainXml({
      ...spec, kernel: { path: '/srv/i/kernel', initrdPath: '/srv/i/ramdisk', cmdline: 'console=ttyS0 a=<b>' }, configDrivePath: '/srv/i/disk.config',
    });
    assert.equal(element(xml, 'kernel')?.text, '/srv/i/kernel');
    assert.equal(element(xml, 'initrd')?.text, '/srv/i/ramdisk');
    assert.equal(element(xml, 'cmdline')?.text, 'console=ttyS0 a=&lt;b&gt;');
    assert.doesNotMatch(xml, /<boot dev=/);
    assert.match(xml, /<disk type='file' device='cdrom'>\s*<driver name='qemu' type='raw'\/>\s*<source file='\/srv\/i\/disk.config'\/>\s*<target dev='hda' bus='ide'\/>\s*<readonly\/>/);
  });

  it('gives a guest on a network a virtio NIC on the bridge, with its MAC and our tap name, instead of the user NIC', () => {
    const xml = domainXml({ ...spec, interfaces: [{ mac: 'FA:16:3E:01:02:03', device: 'tapfa163e010203', bridge: 'br100' }] });
    assert.match(xml, /<interface type='bridge'>\s*<source bridge='br100'\/>\s*<target dev='tapfa163e010203'\/>\s*<mac address='fa:16:3e:01:02:03'\/>\s*<model type='virtio'\/>\s*<\/interface>/);
    assert.doesNotMatch(xml, /<interface type='user'>/);
    const two = domainXml({ ...spec, interfaces: [
      { mac: 'fa:16:3e:01:02:03', device: 'tapfa163e010203', bridge: 'br100' },
      { mac: 'fa:16:3e:0a:0b:0c', device: 'tapfa163e0a0b0c' },
    ] });
    assert.equal(two.match(/<interface /g)?.length, 2);
    assert.match(two, /<interface type='ethernet'>\s*<target dev='tapfa163e0a0b0c' managed='no'\/>\s*<mac address='fa:16:3e:0a:0b:0c'\/>\s*<model type='virtio'\/>/);
    assert.throws(() => domainXml({ ...spec, interfaces: [{ mac: 'fa:16:3e:01:02', device: 'tap0', bridge: 'br100' }] }), RangeError);
    assert.throws(() => domainXml({ ...spec, interfaces: [{ mac: 'fa:16:3e:01:02:03', device: "tap'x", bridge: 'br100' }] }), RangeError);
  });

  it("is valid against libvirt's domain schema, with and without NICs on networks", { skip: !hasValidator() && 'virt-xml-validate or xmllint is not installed' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'domain-xml-'));
    try {
      for (const interfaces of [undefined, [{ mac: 'fa:16:3e:01:02:03', device: 'tapfa163e010203', bridge: 'br100' }, { mac: 'fa:16:3e:0a:0b:0c', device: 'tapfa163e0a0b0c' }]]) {
        const file = join(dir, 'd.xml');
        writeFileSync(file, domainXml({ ...spec, interfaces }));
        execFileSync('virt-xml-validate', [file, 'domain'], { stdio: 'pipe' });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the backing image and its format, and ends the chain there (nothing probed, no backing file of the image followed)', () => {
    const xml = domainXml({ ...spec, backing: { path: '/srv/instances/_base/0a1b', format: 'qcow2' } });
    assert.match(xml, /<source file='\/srv\/instances\/1b4e28ba\/disk'\/>\s*<backingStore type='file'>\s*<format type='qcow2'\/>\s*<source file='\/srv\/instances\/_base\/0a1b'\/>\s*<backingStore\/>\s*<\/backingStore>/);
    assert.match(domainXml(spec), /<format type='raw'\/>/);
  });

  it('boots from a root volume: its file is vda (read as its format, nothing behind it), with its id as serial, and no overlay', () => {
    const rootVolume = { volumeId: '6f2d7c1e-0000-4000-8000-000000000001', device: 'vda', path: '/srv/volumes/volume-6f2d7c1e', format: 'qcow2' };
    const { diskPath: _d, backing: _b, ...noOverlay } = spec;
    const xml = domainXml({ ...noOverlay, rootVolume, volumes: [{ ...rootVolume, volumeId: 'data', device: 'vdb', path: '/srv/volumes/volume-data', format: 'raw' }] });
    assert.match(xml, /<disk type='file' device='disk'>\s*<driver name='qemu' type='qcow2'\/>\s*<source file='\/srv\/volumes\/volume-6f2d7c1e'\/>\s*<backingStore\/>\s*<target dev='vda' bus='virtio'\/>\s*<serial>6f2d7c1e-0000-4000-8000-000000000001<\/serial>/);
    assert.match(xml, /<target dev='vdb' bus='virtio'\/>/);
    assert.equal(xml.match(/<target dev='vda'/g)?.length, 1, 'one vda');
    assert.doesNotMatch(xml, /\/srv\/instances\/1b4e28ba\/disk|_base/, 'no overlay, no cached image');
    assert.match(xml, /<boot dev='hd'\/>/);
    assert.throws(() => domainXml({ ...spec, rootVolume }), RangeError, 'an overlay and a root volume');
    assert.throws(() => domainXml(noOverlay), RangeError, 'neither');
    assert.throws(() => domainXml({ ...noOverlay, rootVolume: { ...rootVolume, device: 'vdb' } }), RangeError, 'a root volume is vda');
  });

  it('escapes what goes into text and attributes', () => {
    const xml = domainXml({ ...spec, displayName: `<a & 'b'>`, diskPath: `/tmp/it's&<x>/disk` });
    assert.match(xml, /<swiftly:name>&lt;a &amp; &apos;b&apos;&gt;<\/swiftly:name>/);
    assert.match(xml, /<source file='\/tmp\/it&apos;s&amp;&lt;x&gt;\/disk'\/>/);
    assert.doesNotMatch(xml, /<a & /);
  });

  it('a volume is its file, or an NBD export over TCP or a unix socket (a network disk read raw); valid against the schema', () => {
    const file = { volumeId: '5c2f0d2a-9d7e-4a54-9bcb-1f7d3f0e0a11', device: 'vdb', path: '/srv/volumes/volume-5c2f', format: 'qcow2' };
    const tcp = { volumeId: file.volumeId, device: 'vdc', format: 'raw', nbd: { name: 'volume-5c2f', host: '10.231.0.12', port: 10809 } };
    const unix = { volumeId: file.volumeId, device: 'vdd', format: 'raw', nbd: { name: 'volume-5c2f', socket: '/srv/instances/1b4e28ba/nbd-vdd.sock' } };
    const xml = domainXml({ ...spec, volumes: [file, tcp, unix] });
    assert.match(xml, /<disk type='file' device='disk'>\s*<driver name='qemu' type='qcow2'\/>\s*<source file='\/srv\/volumes\/volume-5c2f'\/>\s*<backingStore\/>\s*<target dev='vdb'/);
    assert.match(xml, /<disk type='network' device='disk'>\s*<driver name='qemu' type='raw'\/>\s*<source protocol='nbd' name='volume-5c2f'>\s*<host name='10.231.0.12' port='10809'\/>\s*<\/source>\s*<target dev='vdc' bus='virtio'\/>/);
    assert.match(xml, /<source protocol='nbd' name='volume-5c2f'>\s*<host transport='unix' socket='\/srv\/instances\/1b4e28ba\/nbd-vdd.sock'\/>\s*<\/source>\s*<target dev='vdd'/);
    assert.throws(() => domainXml({ ...spec, volumes: [{ ...tcp, path: '/x' }] }), RangeError, 'a file and an export at once');
    assert.throws(() => domainXml({ ...spec, volumes: [{ ...tcp, nbd: { name: 'volume-5c2f', host: '10.231.0.12' } }] }), RangeError, 'no port');
    assert.throws(() => domainXml({ ...spec, volumes: [{ ...tcp, nbd: { ...tcp.nbd, name: "v'x" } }] }), RangeError);
    if (!hasValidator()) return;
    const dir = mkdtempSync(join(tmpdir(), 'domain-xml-'));
    try {
      writeFileSync(join(dir, 'd.xml'), xml);
      execFileSync('virt-xml-validate', [join(dir, 'd.xml'), 'domain'], { stdio: 'pipe' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses memory or vCPU counts libvirt could not take', () => {
    assert.throws(() => domainXml({ ...spec, memoryMb: 0 }), RangeError);
    assert.throws(() => domainXml({ ...spec, memoryMb: 1.5 }), RangeError);
    assert.throws(() => domainXml({ ...spec, vcpus: 0 }), RangeError);
  });
});

function hasValidator(): boolean {
  try {
    execFileSync('virt-xml-validate', ['--help'], { stdio: 'ignore' });
    execFileSync('xmllint', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
