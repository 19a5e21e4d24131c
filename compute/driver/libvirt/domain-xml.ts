/**
 * The libvirt domain XML of a guest (Nova's nova/virt/libvirt/config.py,
 * for the one shape swiftly boots): BIOS boot from one IDE
 * qcow2 disk (its overlay), a user-mode NIC (no host networking), the
 * first serial port written to a file (the console log), no graphics.
 */

export interface DomainSpec {
  name: string;
  uuid: string;
  /** `qemu` (TCG) or `kvm`. */
  virtType: 'qemu' | 'kvm';
  memoryMb: number;
  vcpus: number;
  /** The guest's qcow2 overlay. */
  diskPath: string;
  /** Where the serial console is written. */
  consolePath: string;
  /** Shown in `virsh dumpxml` (Nova writes its instance metadata there too). */
  displayName?: string;
  /** Emulator architecture. */
  arch?: string;
  /** Machine type (`pc` by default: i440FX, quick to boot). */
  machine?: string;
}

export const SWIFTLY_XMLNS = 'https://swiftly.dev/xmlns/libvirt/instance/1.0';

/** XML text/attribute escaping. */
export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function domainXml(spec: DomainSpec): string {
  const e = xmlEscape;
  if (!Number.isInteger(spec.memoryMb) || spec.memoryMb <= 0) throw new RangeError(`memory_mb must be a positive integer, got ${spec.memoryMb}`);
  if (!Number.isInteger(spec.vcpus) || spec.vcpus <= 0) throw new RangeError(`vcpus must be a positive integer, got ${spec.vcpus}`);
  const mem = spec.memoryMb * 1024;
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
    <boot dev='hd'/>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${e(spec.diskPath)}'/>
      <target dev='hda' bus='ide'/>
    </disk>
    <interface type='user'>
      <model type='e1000'/>
    </interface>
    <serial type='file'>
      <source path='${e(spec.consolePath)}' append='on'/>
      <target port='0'/>
    </serial>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}
