/**
 * The libvirt domain XML of a guest (Nova's nova/virt/libvirt/config.py,
 * for the shapes swiftly boots): BIOS boot from one virtio qcow2 disk
 * (its overlay), or direct kernel boot (`<kernel>`, `<initrd>`,
 * `<cmdline>`: an AMI with kernel_id/ramdisk_id) with that disk attached;
 * a virtio NIC per network interface on the network's bridge, or, for a
 * guest without networks, a virtio NIC on qemu's user-mode network (no host
 * networking) with a fixed MAC; the config drive as an IDE cdrom when there
 * is one; the first serial port written to a file (the console log); no
 * graphics.
 * A server booted from a volume has that volume's disk as vda instead.
 * The overlay's backing store (the cached image) is spelled out with its
 * format — the image's disk_format — and an empty chain below it, so libvirt
 * and qemu never probe a format or follow a backing file the image names.
 */

/** One guest NIC: its MAC, the host-side tap we name, the bridge it joins. */
export interface DomainInterface {
  mac: string;
  /** Host-side tap device (`tapDevice(mac)` in compute/network). */
  device: string;
  /**
   * The bridge libvirt plugs the tap into (`<interface type='bridge'>`). Absent: `<interface type='ethernet'>` on
   * an unmanaged tap the caller created and plugs itself (a bridge in another network namespace, which libvirt
   * cannot see).
   */
  bridge?: string;
}

/**
 * A volume as a guest's virtio-blk disk (`vdb`, …): its file (`path`), read
 * as `format` and never followed further, or an NBD export (`nbd`) qemu
 * connects to over TCP (`host`, `port`) or a unix socket (`socket`).
 */
export interface DomainVolume {
  volumeId: string;
  device: string;
  path?: string;
  nbd?: { name: string; host?: string; port?: number; socket?: string };
  format: string;
}

export interface DomainSpec {
  name: string;
  uuid: string;
  /** `qemu` (TCG) or `kvm`. */
  virtType: 'qemu' | 'kvm';
  memoryMb: number;
  vcpus: number;
  /** The guest's qcow2 overlay (absent: it boots from `rootVolume`). */
  diskPath?: string;
  /** The overlay's backing file (the cached image) and its format (the image's disk_format). */
  backing?: { path: string; format: string };
  /** Boot from a volume: its disk is `vda`, in place of an overlay (Nova's volume-backed server). */
  rootVolume?: DomainVolume;
  /** The NIC's MAC (`fa:16:3e:…`). */
  mac?: string;
  /** Direct kernel boot: files in the instance directory, and the kernel command line. */
  kernel?: { path: string; initrdPath?: string; cmdline?: string };
  /** The config drive (ISO9660), attached as a read-only cdrom. */
  configDrivePath?: string;
  /** Where the serial console is written. */
  consolePath: string;
  /** Shown in `virsh dumpxml` (Nova writes its instance metadata there too). */
  displayName?: string;
  /** Emulator architecture. */
  arch?: string;
  /** Machine type (`pc` by default: i440FX, quick to boot). */
  machine?: string;
  /** The guest's NICs; none or empty: one user-mode NIC. */
  interfaces?: DomainInterface[];
  /** Attached volumes. */
  volumes?: DomainVolume[];
}

export const SWIFTLY_XMLNS = 'https://swiftly.dev/xmlns/libvirt/instance/1.0';

/** XML text/attribute escaping. */
export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function interfaceXml(nic: DomainInterface): string {
  const e = xmlEscape;
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(nic.mac)) throw new RangeError(`not a MAC address: ${nic.mac}`);
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(nic.device)) throw new RangeError(`not a network device name: ${nic.device}`);
  const head = nic.bridge === undefined
    ? `<interface type='ethernet'>\n      <target dev='${e(nic.device)}' managed='no'/>`
    : `<interface type='bridge'>\n      <source bridge='${e(nic.bridge)}'/>\n      <target dev='${e(nic.device)}'/>`;
  return `    ${head}
      <mac address='${e(nic.mac.toLowerCase())}'/>
      <model type='virtio'/>
    </interface>
`;
}

/** The `<source>` of a volume's disk: its file, or the NBD export qemu opens itself. */
function volumeSourceXml(v: DomainVolume): string[] {
  const e = xmlEscape;
  if (v.nbd && v.path === undefined) {
    const n = v.nbd;
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(n.name)) throw new RangeError(`not an NBD export name: ${n.name}`);
    let host: string;
    if (n.socket !== undefined) host = `<host transport='unix' socket='${e(n.socket)}'/>`;
    else if (n.host !== undefined && Number.isInteger(n.port) && n.port! > 0 && n.port! < 65536) host = `<host name='${e(n.host)}' port='${n.port}'/>`;
    else throw new RangeError(`an NBD volume needs a socket or a host and port: ${JSON.stringify(n)}`);
    return [`  <source protocol='nbd' name='${e(n.name)}'>`, `    ${host}`, `  </source>`];
  }
  if (v.path === undefined || v.nbd) throw new RangeError(`volume ${v.volumeId} needs exactly one of a file and an NBD export`);
  return [`  <source file='${e(v.path)}'/>`, `  <backingStore/>`];
}

/**
 * The `<disk>` of an attached volume (what `virsh attach-device` takes too).
 * A file: `<backingStore/>`, it stands alone, so a qcow2 volume can't make
 * qemu open a file it names. An NBD export: `type='network'`, read raw (its
 * host reads the file's format). The serial is the volume id (the guest
 * sees its first 20 characters in /sys/block/<dev>/serial).
 */
export function volumeDiskXml(v: DomainVolume, indent = '    ', root = false): string {
  const e = xmlEscape;
  if (!(root ? /^vda$/ : /^vd[b-z]$/).test(v.device)) throw new RangeError(`not a ${root ? 'root ' : ''}volume device: ${v.device}`);
  if (v.format !== 'raw' && v.format !== 'qcow2') throw new RangeError(`not a volume format: ${v.format}`);
  return [
    `<disk type='${v.nbd && v.path === undefined ? 'network' : 'file'}' device='disk'>`,
    `  <driver name='qemu' type='${v.format}'/>`,
    ...volumeSourceXml(v),
    `  <target dev='${v.device}' bus='virtio'/>`,
    `  <serial>${e(v.volumeId)}</serial>`,
    `</disk>`,
  ].map((l) => indent + l).join('\n') + '\n';
}

/** `vda`: the qcow2 overlay on its cached image, or the root volume. */
function rootDiskXml(spec: DomainSpec): string {
  const e = xmlEscape;
  if (spec.rootVolume) {
    if (spec.diskPath !== undefined) throw new RangeError('a guest boots from an overlay or from a root volume, not both');
    return volumeDiskXml(spec.rootVolume, '    ', true).replace(/\n$/, '');
  }
  if (spec.diskPath === undefined || !spec.backing) throw new RangeError('a guest needs an overlay and its backing image, or a root volume');
  return `    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${e(spec.diskPath)}'/>
      <backingStore type='file'>
        <format type='${e(spec.backing.format)}'/>
        <source file='${e(spec.backing.path)}'/>
        <backingStore/>
      </backingStore>
      <target dev='vda' bus='virtio'/>
    </disk>`;
}

export function domainXml(spec: DomainSpec): string {
  const e = xmlEscape;
  if (!Number.isInteger(spec.memoryMb) || spec.memoryMb <= 0) throw new RangeError(`memory_mb must be a positive integer, got ${spec.memoryMb}`);
  if (!Number.isInteger(spec.vcpus) || spec.vcpus <= 0) throw new RangeError(`vcpus must be a positive integer, got ${spec.vcpus}`);
  const mem = spec.memoryMb * 1024;
  const k = spec.kernel;
  const boot = k
    ? [`    <kernel>${e(k.path)}</kernel>`, k.initrdPath ? `    <initrd>${e(k.initrdPath)}</initrd>` : '', k.cmdline ? `    <cmdline>${e(k.cmdline)}</cmdline>` : ''].filter(Boolean).join('\n')
    : `    <boot dev='hd'/>`;
  const cdrom = spec.configDrivePath ? `
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='${e(spec.configDrivePath)}'/>
      <target dev='hda' bus='ide'/>
      <readonly/>
    </disk>` : '';
  return `<domain type='${spec.virtType}'>
  <name>${e(spec.name)}</name>
  <uuid>${e(spec.uuid)}</uuid>
  <metadata>
    <swiftly:instance xmlns:swiftly='${SWIFTLY_XMLNS}'>
      <swiftly:name>${e(spec.displayName ?? spec.name)}</swiftly:name>
    </swiftly:instance>
  </metadata>
  <memory unit='KiB'>${mem}</memory>
  <currentMemory unit='KiB'>${mem}</currentMemory>
  <vcpu placement='static'>${spec.vcpus}</vcpu>
  <os>
    <type arch='${e(spec.arch ?? 'x86_64')}' machine='${e(spec.machine ?? 'pc')}'>hvm</type>
${boot}
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
${rootDiskXml(spec)}${cdrom}
${(spec.volumes ?? []).map((v) => volumeDiskXml(v)).join('')}${spec.interfaces?.length ? spec.interfaces.map(interfaceXml).join('') : `    <interface type='user'>${spec.mac ? `
      <mac address='${e(spec.mac)}'/>` : ''}
      <model type='virtio'/>
    </interface>
`}    <serial type='file'>
      <source path='${e(spec.consolePath)}' append='on'/>
      <target port='0'/>
    </serial>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}
