/**
 * An image's bytes against its declared disk_format (image-format.ts):
 * images made here with qemu-img; a qcow2 declared raw, a raw declared
 * qcow2, a qcow2 with a backing file or an external data file naming a host
 * file, a VMDK descriptor (which names extents: host files) and formats the
 * driver doesn't boot are refused, each saying why.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkImageFormat, detectFormat, ImageFormatError } from '../../compute/driver/libvirt/index.js';

let qemuImgMissing: string | false = false;
try {
  execFileSync('qemu-img', ['--version'], { stdio: 'ignore' });
} catch {
  qemuImgMissing = 'qemu-img not installed';
}
const skip = qemuImgMissing && !process.env.CI ? qemuImgMissing : false;

describe('image format checks', { skip }, () => {
  let dir: string;
  let secret: string;
  const qemuImg = (...args: string[]) => execFileSync('qemu-img', args, { stdio: 'pipe' });
  const refused = async (path: string, declared: string, why: RegExp) => {
    await assert.rejects(checkImageFormat(path, declared, 'img-x'), (err: Error) => {
      assert.ok(err instanceof ImageFormatError, String(err));
      assert.match(err.message, /^Image img-x \(disk_format [a-z0-9]+\) is refused: /);
      assert.match(err.message, why);
      return true;
    });
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'swiftly-imgfmt-'));
    secret = join(dir, 'host-secret');
    writeFileSync(secret, Buffer.alloc(512, 'the host secret '));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('takes a raw image as raw and a self-contained qcow2 as qcow2', async () => {
    const raw = join(dir, 'plain.raw');
    writeFileSync(raw, Buffer.concat([Buffer.alloc(510), Buffer.from([0x55, 0xaa])]));
    assert.deepEqual(await checkImageFormat(raw, 'raw'), { format: 'raw', virtualSize: 512 });
    const qcow2 = join(dir, 'plain.qcow2');
    qemuImg('convert', '-f', 'raw', '-O', 'qcow2', raw, qcow2);
    assert.deepEqual(await checkImageFormat(qcow2, 'qcow2'), { format: 'qcow2', virtualSize: 512 });
  });

  it('refuses bytes of another format than the declared one', async () => {
    const qcow2 = join(dir, 'declared-raw.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', qcow2, '1M');
    await refused(qcow2, 'raw', /its data is a qcow2 image, not raw/);
    const raw = join(dir, 'declared-qcow2.raw');
    writeFileSync(raw, Buffer.alloc(4096));
    await refused(raw, 'qcow2', /not a qcow2 image/);
    const vmdk = join(dir, 'descriptor.vmdk');
    writeFileSync(vmdk, `# Disk DescriptorFile\nversion=1\nRW 1 FLAT "${secret}" 0\n`);
    await refused(vmdk, 'raw', /its data is a vmdk image, not raw/);
  });

  it('refuses a qcow2 whose backing file is a host path, declared qcow2 or raw', async () => {
    const evil = join(dir, 'backed.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', secret, evil);
    await refused(evil, 'qcow2', new RegExp(`backing file \\(${JSON.stringify(secret).replace(/[/.]/g, '\\$&')}\\)`));
    await refused(evil, 'raw', /its data is a qcow2 image, not raw/);
  });

  it('refuses a qcow2 with an external data file', async () => {
    const evil = join(dir, 'datafile.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', '-o', `data_file=${join(dir, 'data-file')},data_file_raw=on`, evil, '512');
    await refused(evil, 'qcow2', /external data file/);
  });

  it('refuses formats the driver does not boot, and an unset disk_format', async () => {
    const raw = join(dir, 'any.raw');
    writeFileSync(raw, Buffer.alloc(512));
    await refused(raw, 'vmdk', /boots only raw and qcow2 \(or ami\) images/);
    await refused(raw, 'iso', /boots only raw and qcow2 \(or ami\) images/);
    await assert.rejects(checkImageFormat(raw, ''), /disk_format unset\) is refused/);
  });

  it('knows the magic of the formats qemu would probe', () => {
    assert.equal(detectFormat(Buffer.from('QFI\xfb\0\0\0\x03', 'latin1')), 'qcow2');
    assert.equal(detectFormat(Buffer.from('QFI\xfb\0\0\0\x01', 'latin1')), 'qcow');
    assert.equal(detectFormat(Buffer.from('vhdxfile', 'latin1')), 'vhdx');
    assert.equal(detectFormat(Buffer.from('LUKS\xba\xbe\0\x01', 'latin1')), 'luks');
    assert.equal(detectFormat(Buffer.alloc(512)), undefined);
  });
});
