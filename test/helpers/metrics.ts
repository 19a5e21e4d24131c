/**
 * Reading a `/metrics` answer in tests: fetch it, sum the samples of a
 * metric whose labels include the given ones, and have Debian's
 * `promtool check metrics` (package `prometheus`) judge the text.
 */
import { spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';

export async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`/metrics on ${port}: ${res.status} ${text}`);
  if (!(res.headers.get('content-type') ?? '').startsWith('text/plain; version=0.0.4')) throw new Error(`/metrics content-type ${res.headers.get('content-type')}`);
  return text;
}

/** `name{a="x",…} value` lines → the sum of values whose labels include `labels`; undefined when none match. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map<string, string>();
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) have.set(l[1], l[2]);
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) sum = (sum ?? 0) + Number(m[4]);
  }
  return sum;
}

/** promtool's complaints about `text` ('' when it passes); throws when promtool is missing. */
export function promtoolProblems(text: string): string {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool (Debian package prometheus) is needed: ${r.error.message}`);
  // Lint advice (e.g. a counter's name) goes to stdout with exit 3; problems exit 1.
  return r.status === 0 ? '' : `${r.stdout}${r.stderr}`;
}

/** A UDP socket on loopback collecting statsd lines. */
export async function statsdSink(): Promise<{ port: number; lines: string[]; socket: Socket; close(): void }> {
  const socket = createSocket('udp4');
  const lines: string[] = [];
  socket.on('message', (msg) => lines.push(...msg.toString('utf8').split('\n').filter(Boolean)));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return { port: socket.address().port, lines, socket, close: () => socket.close() };
}

/** Waits until `check` holds (polling), or fails with `what`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
