/**
 * The metadata forwarder as a process of its own, which `startGuestMetadata`
 * starts inside a guest network's namespace (`ip netns exec <ns> node
 * forwarder-main.js <host:port> <socket>`): a process binds in the
 * namespace it runs in, and this one must bind in the guests'. Prints
 * `metadata forwarder: <url>` once it listens; stops on SIGTERM/SIGINT.
 */
import { startMetadataForwarder } from './metadata-forwarder.js';

const [listen = '', socketPath = ''] = process.argv.slice(2);
const at = listen.lastIndexOf(':');
const port = Number(listen.slice(at + 1));
if (at < 0 || !Number.isInteger(port) || port < 0 || port > 65535 || !socketPath) {
  console.error('usage: forwarder-main.js <host:port> <metadata service socket>');
  process.exit(2);
}
try {
  const fwd = await startMetadataForwarder({ listen: { host: listen.slice(0, at), port }, socketPath });
  console.log(`metadata forwarder: ${fwd.url}`);
  const stop = () => void fwd.close().then(() => process.exit(0));
  process.once('SIGTERM', stop).once('SIGINT', stop);
} catch (err) {
  console.error(`metadata forwarder: ${(err as Error).message}`);
  process.exit(1);
}
