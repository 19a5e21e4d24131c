/**
 * A point-in-time copy of one disk of a running domain, taken by its qemu:
 * libvirt's push-mode backup (`virsh backup-begin`, virDomainBackupBegin).
 * qemu's backup job copies the disk as it was when the job began (writes
 * the guest makes meanwhile first copy the old data out), into a new file
 * libvirt creates; the guest's disk, its file and the domain definition are
 * left as they were. Chosen over an external disk-only snapshot + block
 * commit (Nova's assisted snapshots): no overlay is ever in the guest's
 * chain, so nothing has to be merged back or spelled out in the domain XML
 * afterwards, and a failed job leaves only a target file to remove. Needs
 * libvirt ≥ 7.2 and qemu with -blockdev (Debian 12: 9.0 and 7.2).
 */
import { rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { xmlEscape } from './domain-xml.js';
import type { Virsh } from './virsh.js';

export interface DiskBackupTarget {
  /** The new file (libvirt creates it; it must not exist). */
  path: string;
  format: 'raw' | 'qcow2';
}

/** The backup XML for disk `device` alone (a disk the XML does not name takes no part). */
export function diskBackupXml(device: string, target: DiskBackupTarget): string {
  if (!/^(vd|sd|hd|xvd)[a-z]{1,2}$/.test(device)) throw new RangeError(`not a disk device name: ${device}`);
  if (target.format !== 'raw' && target.format !== 'qcow2') throw new RangeError(`not a backup target format: ${target.format}`);
  const e = xmlEscape;
  return `<domainbackup mode='push'>
  <disks>
    <disk name='${e(device)}' backup='yes' type='file'>
      <driver type='${target.format}'/>
      <target file='${e(target.path)}'/>
    </disk>
  </disks>
</domainbackup>
`;
}

/** `virsh domjobinfo` fields, `Job type` → `Unbounded`, … */
function jobInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([^:]+):\s*(.*?)\s*$/.exec(line);
    if (m) out.set(m[1]!.trim(), m[2]!);
  }
  return out;
}

/**
 * Copy disk `device` of running domain `name` to `target` and wait for the
 * job to end; throws (the target removed) when it fails or `timeoutMs`
 * passes (the job is aborted then). `xmlPath`: where the backup XML is written.
 */
export async function pushDiskBackup(
  virsh: Virsh, name: string, device: string, target: DiskBackupTarget, xmlPath: string, timeoutMs = 600_000,
): Promise<void> {
  await writeFile(xmlPath, diskBackupXml(device, target));
  try {
    await virsh.run(['backup-begin', name, xmlPath]);
    const until = Date.now() + timeoutMs;
    while (jobInfo(await virsh.run(['domjobinfo', name])).get('Job type') !== 'None') {
      if (Date.now() > until) {
        await virsh.run(['domjobabort', name]).catch(() => {});
        throw new Error(`the backup of ${device} of ${name} did not end in ${timeoutMs} ms`);
      }
      await sleep(200);
    }
    const done = jobInfo(await virsh.run(['domjobinfo', name, '--completed']));
    if (done.get('Operation') !== 'Backup' || done.get('Job type') !== 'Completed') {
      throw new Error(`the backup of ${device} of ${name} ended ${done.get('Job type') ?? 'unknown'}${done.get('Error message') ? `: ${done.get('Error message')}` : ''}`);
    }
  } catch (err) {
    await rm(target.path, { force: true });
    throw err;
  } finally {
    await rm(xmlPath, { force: true });
  }
}
