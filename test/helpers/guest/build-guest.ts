/**
 * swiftly's test guest, built at test time from Debian packages: the
 * kernel of `linux-image-cloud-amd64` (fetched with `apt-get download`,
 * unpacked with `dpkg-deb -x`) and an initramfs of the host's static
 * busybox (`busybox-static`), the modules the guest needs (virtio,
 * cdrom/iso9660, with their dependencies from modules.dep as `busybox
 * depmod` writes it) and `init.sh`. Built once per (kernel package, busybox
 * version, init script) into a cache directory outside the repo.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const KERNEL_META = 'linux-image-cloud-amd64';
/** Module names the guest loads (dependencies are added from modules.dep). */
export const GUEST_MODULES = ['virtio_pci', 'virtio_net', 'virtio_blk', 'ata_piix', 'sr_mod', 'isofs'];
/** The guest's files live in the source tree (test/helpers/guest/), next to this file's .ts. */
const SRC = fileURLToPath(new URL('../../../../test/helpers/guest/', import.meta.url));

export interface TestGuest {
  kernel: string;
  initrd: string;
  /** The kernel package (`linux-image-<ver>-cloud-amd64=<version>`) and busybox version it was built from. */
  versions: { kernel: string; busybox: string };
}

/** Why the guest can't be built here (a missing tool), or false. */
export async function guestBuildMissing(): Promise<string | false> {
  for (const [cmd, args] of [['apt-get', ['--version']], ['apt-cache', ['--version']], ['dpkg-deb', ['--version']], ['cpio', ['--version']], ['busybox', ['--help']]] as const) {
    try {
      await run(cmd, [...args]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return `${cmd} is not installed`;
    }
  }
  return false;
}

async function kernelPackage(): Promise<{ name: string; version: string }> {
  const deps = (await run('apt-cache', ['depends', KERNEL_META])).stdout;
  const name = /Depends:\s*(linux-image-\S+)/.exec(deps)?.[1];
  if (!name) throw new Error(`apt-cache depends ${KERNEL_META} names no kernel package (apt-get update?)`);
  const show = (await run('apt-cache', ['show', '--no-all-versions', name])).stdout;
  const version = /^Version:\s*(\S+)/m.exec(show)?.[1];
  if (!version) throw new Error(`apt-cache show ${name} gives no version`);
  return { name, version };
}

async function busyboxVersion(): Promise<string> {
  return (await run('dpkg-query', ['-W', '-f', '${Version}', 'busybox-static'])).stdout.trim();
}

/** modules.dep's closure of `wanted`, dependencies before their users. */
export function moduleOrder(modulesDep: string, wanted: string[]): string[] {
  const deps = new Map<string, string[]>();
  const byName = new Map<string, string>();
  for (const line of modulesDep.split('\n')) {
    const at = line.indexOf(':');
    if (at < 0) continue;
    const path = line.slice(0, at);
    deps.set(path, line.slice(at + 1).trim().split(/\s+/).filter(Boolean));
    byName.set(path.replace(/^.*\//, '').replace(/\.ko(\.\w+)?$/, '').replace(/-/g, '_'), path);
  }
  const out: string[] = [];
  const visit = (path: string) => {
    if (out.includes(path)) return;
    for (const d of deps.get(path) ?? []) visit(d);
    out.push(path);
  };
  for (const w of wanted) {
    const path = byName.get(w);
    if (!path) throw new Error(`module ${w} is not in the kernel package`);
    visit(path);
  }
  return out;
}

async function build(dest: string, pkg: { name: string; version: string }): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'swiftly-guest-build-'));
  try {
    await run('apt-get', ['download', '-q', `${pkg.name}=${pkg.version}`], { cwd: work });
    const deb = (await readdir(work)).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${pkg.name} left no .deb`);
    const root = join(work, 'root');
    await run('dpkg-deb', ['-x', join(work, deb), root]);
    const kver = (await readdir(join(root, 'lib', 'modules')))[0];
    await run('busybox', ['depmod', '-b', root, kver]);
    const order = moduleOrder(await readFile(join(root, 'lib', 'modules', kver, 'modules.dep'), 'utf8'), GUEST_MODULES);

    const initramfs = join(work, 'initramfs');
    for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'mnt', 'tmp']) await mkdir(join(initramfs, d), { recursive: true });
    await copyFile((await run('sh', ['-c', 'command -v busybox'])).stdout.trim(), join(initramfs, 'bin', 'busybox'));
    await copyFile(join(SRC, 'init.sh'), join(initramfs, 'init'));
    await copyFile(join(SRC, 'udhcpc.script'), join(initramfs, 'etc', 'udhcpc.script'));
    for (const f of ['bin/busybox', 'init', 'etc/udhcpc.script']) await chmod(join(initramfs, f), 0o755);
    for (const m of order) {
      await mkdir(dirname(join(initramfs, 'lib', 'modules', m)), { recursive: true });
      await copyFile(join(root, 'lib', 'modules', kver, m), join(initramfs, 'lib', 'modules', m));
    }
    await writeFile(join(initramfs, 'etc', 'modules'), order.join('\n') + '\n');

    const tmp = `${dest}.tmp-${randomBytes(4).toString('hex')}`;
    await mkdir(tmp, { recursive: true });
    await copyFile(join(root, 'boot', `vmlinuz-${kver}`), join(tmp, 'vmlinuz'));
    await run('sh', ['-c', `find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -6 > "$1"`, 'sh', join(tmp, 'initrd.gz')], { cwd: initramfs });
    await writeFile(join(tmp, 'versions.json'), JSON.stringify({ kernel: `${pkg.name}=${pkg.version}`, busybox: await busyboxVersion(), modules: order }, null, 2));
    await rm(dest, { recursive: true, force: true });
    await rename(tmp, dest);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The cache: SWIFTLY_GUEST_CACHE, else $XDG_CACHE_HOME/swiftly/test-guest, else ~/.cache/swiftly/test-guest. */
export function guestCacheDir(): string {
  return process.env.SWIFTLY_GUEST_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'swiftly', 'test-guest');
}

/** Build (or find in the cache) the test guest's kernel and initramfs. */
export async function buildTestGuest(cacheDir = guestCacheDir()): Promise<TestGuest> {
  const pkg = await kernelPackage();
  const busybox = await busyboxVersion();
  const key = createHash('sha256')
    .update(`${pkg.name}=${pkg.version}\n${busybox}\n${GUEST_MODULES.join(',')}\n`)
    .update(await readFile(join(SRC, 'init.sh')))
    .update(await readFile(join(SRC, 'udhcpc.script')))
    .digest('hex').slice(0, 16);
  const dest = join(cacheDir, `${pkg.name}-${key}`);
  if (!existsSync(join(dest, 'versions.json'))) {
    await mkdir(cacheDir, { recursive: true });
    await build(dest, pkg);
  }
  return { kernel: join(dest, 'vmlinuz'), initrd: join(dest, 'initrd.gz'), versions: { kernel: `${pkg.name}=${pkg.version}`, busybox } };
}
