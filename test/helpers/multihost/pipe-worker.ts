/**
 * A TCP/unix-socket forwarder (`pipe-worker.js <listen> <target>`, each
 * `unix:<path>` or `<ip>:<port>`): every connection accepted on `listen` is
 * joined to a new connection to `target`, bytes passed both ways untouched,
 * either side's close or error closing the other. Prints `ready` once it
 * listens.
 *
 * What lets a bed host reach a service of the machine's own namespace
 * without an address there (broker.ts): in the root namespace
 * `unix:<dir>/amqp.sock` → `127.0.0.1:5672`, and in each host's namespace
 * `127.0.0.1:5672` (the namespace's own loopback) → `unix:<dir>/amqp.sock`
 * (a file, so every namespace sees it). Node's own sockets and `pipeline`
 * do the job in a few lines; socat would too, but is one more package for
 * every machine that runs the bed.
 */
import { connect, createServer, type NetConnectOpts, type ListenOptions, type Socket } from 'node:net';
import { rmSync } from 'node:fs';

type Endpoint = { path: string } | { host: string; port: number };

function endpoint(spec: string | undefined): Endpoint {
  if (!spec) throw new Error('usage: pipe-worker.js <unix:path | ip:port> <unix:path | ip:port>');
  if (spec.startsWith('unix:')) return { path: spec.slice('unix:'.length) };
  const colon = spec.lastIndexOf(':');
  return { host: spec.slice(0, colon), port: Number(spec.slice(colon + 1)) };
}

const listen = endpoint(process.argv[2]);
const target = endpoint(process.argv[3]);

function join(client: Socket): void {
  const upstream = connect(target as NetConnectOpts);
  upstream.setNoDelay(true);
  client.setNoDelay(true);
  client.pipe(upstream);
  upstream.pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
}

if ('path' in listen) rmSync(listen.path, { force: true });
createServer(join).listen(listen as ListenOptions, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
// The bed starts it with a pipe on stdin: its end (the test process gone, however) ends this one.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
