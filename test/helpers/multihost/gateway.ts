/**
 * The root namespace's side of a gateway (gateway-worker.ts): an undici
 * dispatcher whose connections are opened from inside a bed namespace, so
 * a test reaches `http://10.231.0.11:6200/...` with no address of the bed
 * in the machine's own namespace.
 */
import { connect as unixConnect, type Socket } from 'node:net';
import { Agent } from 'undici';

/** An undici Agent that connects through the gateway listening on `socketPath`. */
export function gatewayAgent(socketPath: string, connectTimeoutMs = 3000): Agent {
  return new Agent({
    keepAliveTimeout: 4000,
    connect: (opts, callback) => {
      const sock: Socket = unixConnect(socketPath);
      let settled = false;
      const done = (err: Error | null): void => {
        if (settled) return;
        settled = true;
        sock.off('readable', onReadable);
        if (err) {
          sock.destroy();
          callback(err, null);
        } else callback(null, sock);
      };
      // 'readable' + read(1), never flowing mode: the rest is undici's to read.
      const onReadable = (): void => {
        const b = sock.read(1) as Buffer | null;
        if (b === null) return;
        sock.off('readable', onReadable);
        if (b[0] === 0x2b /* + */) done(null);
        else done(Object.assign(new Error(`connect ECONNREFUSED ${opts.hostname}:${opts.port} (through the bed's gateway)`), { code: 'ECONNREFUSED' }));
      };
      sock.on('readable', onReadable);
      sock.once('error', (err) => done(err));
      sock.once('close', () => done(Object.assign(new Error(`gateway closed before connecting to ${opts.hostname}:${opts.port}`), { code: 'ECONNRESET' })));
      sock.write(`${opts.hostname} ${opts.port || 80} ${connectTimeoutMs}\n`);
    },
  });
}
