/**
 * Running the data plane's tools (`ip`, `nft`, `dnsmasq`, `sysctl`) on the
 * host or inside a network namespace (`ip netns exec <ns> …`), one process
 * per call, stdin optional (`nft -f -`). A failure carries the tool's own
 * stderr, so it reaches the instance fault as the tool said it.
 */
import { spawn } from 'node:child_process';

export class HostCommandError extends Error {
  constructor(readonly command: string, readonly exitCode: number | null, readonly stderr: string) {
    super(`${command}: ${stderr.trim() || `exit ${exitCode}`}`);
    this.name = 'HostCommandError';
  }
}

export interface RunOptions {
  /** Fed to the command's stdin. */
  input?: string;
  timeoutMs?: number;
}

/** Where commands run: the host (`netns` undefined) or one network namespace. */
export class HostCommands {
  constructor(readonly netns?: string) {}

  /** `cmd args…` in this namespace; resolves to stdout. */
  run(cmd: string, args: string[], o: RunOptions = {}): Promise<string> {
    const [file, argv] = this.netns ? ['ip', ['netns', 'exec', this.netns, cmd, ...args]] : [cmd, args];
    const shown = [cmd, ...args].join(' ');
    return new Promise((resolve, reject) => {
      const child = spawn(file, argv, { stdio: ['pipe', 'pipe', 'pipe'], timeout: o.timeoutMs ?? 30_000 });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) => reject(new HostCommandError(shown, null, e.message)));
      child.on('close', (code, signal) => {
        if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
        reject(new HostCommandError(shown, code, Buffer.concat(err).toString('utf8') || (signal ? `killed by ${signal}` : '')));
      });
      child.stdin.on('error', () => { /* the command exited before reading: its exit status says why */ });
      child.stdin.end(o.input ?? '');
    });
  }

  /** `ip …` (with `-n <ns>` rather than a netns exec). */
  ip(args: string[]): Promise<string> {
    const ns = this.netns;
    return ns ? new HostCommands().run('ip', ['-n', ns, ...args]) : this.run('ip', args);
  }

  /** One `nft -f -` transaction: all of `script` applies or none of it. */
  nft(script: string): Promise<string> {
    return this.run('nft', ['-f', '-'], { input: script });
  }

  /** `nft -j list …` parsed; undefined when the object does not exist. */
  async nftJson(what: string[]): Promise<NftJson | undefined> {
    try {
      return JSON.parse(await this.run('nft', ['-j', 'list', ...what])) as NftJson;
    } catch (err) {
      if (err instanceof HostCommandError && /No such file or directory/.test(err.stderr)) return undefined;
      throw err;
    }
  }

  /** Write a sysctl under /proc/sys (as `sysctl -w` in the namespace). */
  async sysctl(key: string, value: string): Promise<void> {
    await this.run('sysctl', ['-q', '-w', `${key}=${value}`]);
  }
}

/** `nft -j` output: a list of one-key objects (`table`, `chain`, `map`, `set`, `rule`, …). */
export interface NftJson {
  nftables: Record<string, unknown>[];
}
