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
