/**
 * Swift's `workers = N` seen from the primary: fork N worker processes with
 * node:cluster (they share the listening port), fork again when one dies,
 * pass SIGTERM/SIGINT on to them and exit once they are all gone.
 *
 * The workers run their own small entry script, not the primary's (the
 * CLI): a worker never loads the CLI, and the primary never loads the
 * server code only the workers serve with, so each process keeps only what
 * it uses resident.
 */
import cluster from 'node:cluster';
import { setFlagsFromString } from 'node:v8';

/**
 * V8's young generation grows to 3 × 16 MiB semi-spaces by default; a server
 * busy with short-lived garbage (stream chunks, listing rows and strings)
 * fills it and its RSS climbs by that much, for good. Smaller semi-spaces
 * keep RSS tight (issue 4: a proxy under 150 MiB through a 5 GiB transfer)
 * at the cost of more, cheaper scavenges. Returns the flag for `mib` unless
 * node flags or NODE_OPTIONS already set one (an explicit choice wins), and
 * sets it in this process too, for one that serves itself (`workers = 0`).
 */
export function limitYoungGeneration(mib: number): string | undefined {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes('semi-space-size'));
  if (given) return undefined;
  const flag = `--max-semi-space-size=${mib}`;
  // Workers get it at start-up (execArgv), where V8 surely honours it; this process, already running, as a runtime flag.
  setFlagsFromString(flag);
  return flag;
}

export interface WorkerSupervisorOptions {
  /** For messages: `object-server`, `proxy-server`, … */
  name: string;
  count: number;
  /** The workers' entry script and its arguments. */
  exec: string;
  args: string[];
  /** Node flags added for the workers (after this process's own). */
  execArgv?: string[];
}

export function superviseWorkers(o: WorkerSupervisorOptions): void {
  cluster.setupPrimary({ exec: o.exec, args: o.args, execArgv: [...process.execArgv, ...(o.execArgv ?? [])] });
  let stopping = false;
  for (let i = 0; i < o.count; i++) cluster.fork();
  cluster.on('exit', (worker, code) => {
    if (!stopping) {
      process.stderr.write(`${o.name} worker ${worker.process.pid} exited (${code}); restarting\n`);
      cluster.fork();
    } else if (Object.keys(cluster.workers ?? {}).length === 0) {
      process.exit(0);
    }
  });
  const stop = (): void => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
