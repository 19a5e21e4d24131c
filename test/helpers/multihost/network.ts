/**
 * The multi-host bed's network: one namespace per host, a client
 * namespace, and a namespace of their own for the two bridges that join
 * them — `bra` (net A: proxies, clients, storage traffic) and `brb`
 * (net B: replication, the ring's replication_ip). Nothing is added to the
 * machine's own namespace: every veth is made inside the bed's namespaces.
 *
 * A host's side: `eth-a` 10.231.0.<10+n>/24, `eth-b` 10.232.0.<10+n>/24.
 * The client: `eth-a` 10.231.0.2/24. Names start `mhb<pid>-`, so a sweeper
 * can tell a dead run's leftovers from a live one's.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const NET_A = '10.231.0';
export const NET_B = '10.232.0';
export const CLIENT_IP = `${NET_A}.2`;
export const hostIpA = (n: number): string => `${NET_A}.${10 + n}`;
export const hostIpB = (n: number): string => `${NET_B}.${10 + n}`;

/** The prefix of every namespace a bed of process `pid` makes. */
export const runPrefix = (pid = process.pid): string => `mhb${pid}`;

export async function ip(args: string[]): Promise<string> {
  return (await exec('ip', args)).stdout;
}

/** A command inside `ns`; rejects with its stderr. */
export async function nsExec(ns: string, cmd: string, args: string[], timeoutMs = 30_000): Promise<string> {
  try {
    return (await exec('ip', ['netns', 'exec', ns, cmd, ...args], { timeout: timeoutMs, maxBuffer: 16 << 20 })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${ns}: ${cmd} ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

/** `nft -f -` with `script` inside `ns`. */
export async function nft(ns: string, script: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], (err, _out, stderr) =>
      err ? reject(new Error(`${ns}: nft: ${stderr.trim() || err.message}`)) : resolve());
    child.stdin?.end(script);
  });
}

export async function addNamespace(name: string): Promise<void> {
  await ip(['netns', 'add', name]);
  await ip(['-n', name, 'link', 'set', 'lo', 'up']);
}

/** The bridge namespace with `bra` and `brb`, up, no addresses (it only switches). */
export async function makeBridges(brNs: string): Promise<void> {
  await addNamespace(brNs);
  for (const br of ['bra', 'brb']) {
    await ip(['-n', brNs, 'link', 'add', br, 'type', 'bridge']);
    await ip(['-n', brNs, 'link', 'set', br, 'up']);
  }
}

/** A veth from `ns` (named `inner`, with `cidr`) to bridge `bridge` in `brNs` (port named `port`). Made in `ns`. */
export async function plug(ns: string, inner: string, cidr: string, brNs: string, bridge: string, port: string): Promise<void> {
  await ip(['-n', ns, 'link', 'add', inner, 'type', 'veth', 'peer', 'name', port, 'netns', brNs]);
  await ip(['-n', brNs, 'link', 'set', port, 'master', bridge]);
  await ip(['-n', brNs, 'link', 'set', port, 'up']);
  await ip(['-n', ns, 'addr', 'add', cidr, 'dev', inner]);
  await ip(['-n', ns, 'link', 'set', inner, 'up']);
}

/**
 * Per-host counters of replication requests (the first packet of a
 * REPLICATE or SSYNC request, matched on the TCP payload) by the network
 * they arrived on: `rep_a` must stay 0, `rep_b` grows as replicators work.
 */
export const COUNTER_TABLE = 'mhbcount';
export async function addReplicationCounters(ns: string): Promise<void> {
  const replicate = '0x5245504c4943415445'; // "REPLICATE"
  const ssync = '0x5353594e4320'; // "SSYNC "
  await nft(ns, `table inet ${COUNTER_TABLE} {
  counter rep_a { }
  counter rep_b { }
  chain input {
    type filter hook input priority -10; policy accept;
    iifname "eth-a" @ih,0,72 ${replicate} counter name rep_a
    iifname "eth-a" @ih,0,48 ${ssync} counter name rep_a
    iifname "eth-b" @ih,0,72 ${replicate} counter name rep_b
    iifname "eth-b" @ih,0,48 ${ssync} counter name rep_b
  }
}
`);
}

export async function readCounter(ns: string, name: string): Promise<{ packets: number; bytes: number }> {
  const out = await nsExec(ns, 'nft', ['list', 'counter', 'inet', COUNTER_TABLE, name]);
  const m = /packets (\d+) bytes (\d+)/.exec(out);
  if (!m) throw new Error(`${ns}: no counter ${name} in: ${out}`);
  return { packets: Number(m[1]), bytes: Number(m[2]) };
}

const CUT_TABLE = 'mhbcut';

/** Drops every packet in and out of `ns` but loopback's: the host is cut off both networks. */
export async function cutOff(ns: string): Promise<void> {
  await nft(ns, `table inet ${CUT_TABLE} {
  chain input { type filter hook input priority -20; policy accept; iifname != "lo" drop; }
  chain output { type filter hook output priority -20; policy accept; oifname != "lo" drop; }
}
`);
}

/** Undoes `cutOff` (nothing when the host was not cut). */
export async function reconnect(ns: string): Promise<void> {
  const tables = await nsExec(ns, 'nft', ['list', 'tables']);
  if (tables.includes(`inet ${CUT_TABLE}`)) await nsExec(ns, 'nft', ['delete', 'table', 'inet', CUT_TABLE]);
}

/** TCP ports something listens on inside `ns`. */
export async function listeningPorts(ns: string): Promise<Set<number>> {
  const read = readListeningPorts(ns);
  if (read) return read;
  const out = await nsExec(ns, 'ss', ['-Hltn']);
  const ports = new Set<number>();
  for (const line of out.split('\n')) {
    const local = line.trim().split(/\s+/)[3];
    if (local) ports.add(Number(local.slice(local.lastIndexOf(':') + 1)));
  }
  return ports;
}

const memberPids = new Map<string, number>();

/**
 * The TCP ports listening in `ns`, read from /proc/<pid>/net/tcp{,6} of a
 * process inside it (undefined when none is): no process spawned. The
 * servers' start-up polls this every 200 ms per host, and an `ip netns exec
 * … ss` costs about 24 ms of CPU on a loaded machine, more than the rest of
 * the wait.
 */
function readListeningPorts(ns: string): Set<number> | undefined {
  let link: string;
  try {
    link = `net:[${statSync(`/run/netns/${ns}`).ino}]`;
  } catch {
    return undefined;
  }
  const inNs = (pid: number): boolean => {
    try {
      return readlinkSync(`/proc/${pid}/ns/net`) === link;
    } catch {
      return false;
    }
  };
  let pid = memberPids.get(ns);
  if (pid === undefined || !inNs(pid)) {
    pid = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number).find(inNs);
    if (pid === undefined) return undefined;
    memberPids.set(ns, pid);
  }
  const ports = new Set<number>();
  try {
    for (const file of ['tcp', 'tcp6']) {
      for (const line of readFileSync(`/proc/${pid}/net/${file}`, 'utf8').split('\n').slice(1)) {
        const [, local, , state] = line.trim().split(/\s+/);
        if (state === '0A' && local) ports.add(parseInt(local.slice(local.lastIndexOf(':') + 1), 16)); // 0A: LISTEN
      }
    }
  } catch {
    return undefined;
  }
  // The pid may have exited, and its number been reused outside `ns`, while its files were read.
  return inNs(pid) ? ports : undefined;
}

/** Pids of every process in `ns`. */
export async function namespacePids(ns: string): Promise<number[]> {
  const out = await ip(['netns', 'pids', ns]).catch(() => '');
  return out.split('\n').filter(Boolean).map(Number);
}

/** SIGKILLs whatever runs in `ns`, then deletes it. */
export async function removeNamespace(ns: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const pids = await namespacePids(ns);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch { /* gone meanwhile */ }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await ip(['netns', 'del', ns]).catch(() => undefined);
}

export async function listNamespaces(): Promise<string[]> {
  const out = await ip(['netns', 'list']);
  return out.split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the namespaces of beds whose process is gone (a run killed before its teardown). Returns their names. */
export async function sweepStaleNamespaces(): Promise<string[]> {
  const stale = (await listNamespaces()).filter((n) => {
    const m = /^mhb(\d+)-/.exec(n);
    return m !== null && Number(m[1]) !== process.pid && !alive(Number(m[1]));
  });
  for (const ns of stale) await removeNamespace(ns);
  return stale;
}
