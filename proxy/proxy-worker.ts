/** A forked proxy worker (see run-proxy.ts): `proxy-worker.js <conf>`. */
import { serveProxy } from './server.js';

await serveProxy(process.argv[2]);
