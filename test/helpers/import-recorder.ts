/**
 * `node --import <this file>`: records what a process imports, into the file
 * named by IMPORT_RECORD_FILE, one `<parent URL> <resolved URL>` line per
 * import. ESM imports come from a resolve hook; CommonJS packages require()
 * their own files without passing it, so at exit every module in the
 * CommonJS cache is added too (parent `-`).
 */
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

register('./import-recorder-hooks.js', import.meta.url);

const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  const out = process.env.IMPORT_RECORD_FILE;
  if (out) appendFileSync(out, Object.keys(cache).map((f) => `- ${pathToFileURL(f).href}\n`).join(''));
});
