/**
 * Runs inside one of the bed's namespaces (`ip netns exec <ns> node
 * gateway-worker.js <socket>`) and lets a process of the machine's own
 * namespace open TCP connections from there: on each connection to the
 * unix socket (a file, reachable from every namespace) it reads one line,
 * `<ip> <port> <connect timeout ms>`, connects, answers `+` (or `-` and
 * closes), and then passes bytes both ways untouched.
 */
import { createServer, connect, type Socket } from 'node:net';
import { rmSync } from 'node:fs';

const socketPath = process.argv[2];
if (!socketPath) throw new Error('usage: gateway-worker.js <unix socket path>');

function serve(client: Socket): void {
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    head = Buffer.concat([head, chunk]);
    const nl = head.indexOf(10);
    if (nl < 0) {
      if (head.length > 200) client.destroy();
      return;
    }
    client.off('data', onData);
    client.pause();
    const [host, port, timeout] = head.subarray(0, nl).toString().trim().split(' ');
    const rest = head.subarray(nl + 1);
    const upstream = connect({ host, port: Number(port) });
    const timer = setTimeout(() => upstream.destroy(new Error('connect timeout')), Number(timeout) || 5000);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      clearTimeout(timer);
      client.write('+');
      if (rest.length) upstream.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      clearTimeout(timer);
      if (!connected) client.end('-');
      else client.destroy();
    });
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  };
  client.on('data', onData);
  client.on('error', () => undefined);
}

rmSync(socketPath, { force: true });
createServer(serve).listen(socketPath, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
