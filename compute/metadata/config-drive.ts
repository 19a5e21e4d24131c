/**
 * The config drive (Nova's nova/virt/configdrive.py): an ISO9660 volume
 * labelled `config-2` made with genisoimage, carrying what the metadata
 * service serves, under openstack/latest/ and ec2/latest/. The guest mounts
 * it read-only (libvirt attaches it as a cdrom).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SwiftlyError } from '../../common/index.js';
import { ec2MetaDataJson, networkData, openstackMetaData, userDataOf, vendorData, type MetadataSource } from './instance-metadata.js';

export const CONFIG_DRIVE_LABEL = 'config-2';

/** The drive could not be made (Nova: ConfigDriveMountFailed and kin). */
export class ConfigDriveError extends SwiftlyError {
  constructor(message: string, cause?: unknown) {
    super('ERR_DISK', message, { status: 500, cause });
    this.name = 'ConfigDriveError';
  }
}

/** Path inside the drive → contents. */
export function configDriveFiles(src: MetadataSource): Map<string, Buffer> {
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const files = new Map<string, Buffer>([
    ['openstack/latest/meta_data.json', json(openstackMetaData(src))],
    ['openstack/latest/network_data.json', json(networkData(src))],
    ['openstack/latest/vendor_data.json', json(vendorData(src))],
    ['openstack/latest/vendor_data2.json', json({})],
    ['ec2/latest/meta-data.json', json(ec2MetaDataJson(src))],
  ]);
  const ud = userDataOf(src);
  if (ud) {
    files.set('openstack/latest/user_data', ud);
    files.set('ec2/latest/user-data', ud);
  }
  return files;
}

function genisoimage(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('genisoimage', args, { timeout: 120_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(new ConfigDriveError(missing ? 'genisoimage is not installed (Debian package genisoimage): no config drive can be made' : `genisoimage: ${stderr.trim() || err.message}`, err));
    });
  });
}

/** Write the config drive of `src` to `path` (Nova: <instance dir>/disk.config). */
export async function makeConfigDrive(src: MetadataSource, path: string): Promise<void> {
  const staging = await mkdtemp(join(dirname(path), '.config-drive-'));
  try {
    for (const [name, data] of configDriveFiles(src)) {
      await mkdir(dirname(join(staging, name)), { recursive: true });
      await writeFile(join(staging, name), data);
    }
    // Nova's arguments: Rock Ridge + Joliet, lowercase and dotted names kept.
    await genisoimage(['-o', path, '-ldots', '-allow-lowercase', '-allow-multidot', '-l', '-publisher', 'swiftly compute', '-quiet', '-J', '-r', '-V', CONFIG_DRIVE_LABEL, staging]);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
