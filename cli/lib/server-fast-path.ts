/**
 * `swiftly server <kind> <conf>` without oclif. oclif, having no command
 * manifest, imports every command module to find the one asked for: about
 * 48 MiB resident in a process that then only supervises its workers (a
 * server primary measured 94 MiB with oclif, 46 MiB without). Every server
 * of a cluster keeps such a primary for its lifetime, so this one exact form
 * goes straight to the runner; anything else (flags, `--help`, a missing
 * argument) is left to oclif and its messages.
 */
const KINDS = new Set(['object', 'container', 'account', 'proxy']);

/** Runs the server and returns true when `argv` is exactly `server <kind> <conf>`. */
export async function runServerFastPath(argv: string[]): Promise<boolean> {
  const [command, kind, conf, ...rest] = argv;
  if (command !== 'server' || !KINDS.has(kind) || !conf || conf.startsWith('-') || rest.length) return false;
  if (kind === 'proxy') {
    const { runProxyServer } = await import('../../proxy/run-proxy.js');
    await runProxyServer(conf);
  } else {
    const { runStorageServer } = await import('../../storage/run-storage.js');
    await runStorageServer(kind as 'object' | 'container' | 'account', conf);
  }
  return true;
}
