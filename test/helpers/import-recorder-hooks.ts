/**
 * Module hooks for import-recorder.ts: each resolved import is appended to
 * the file named by IMPORT_RECORD_FILE as `<parent URL> <resolved URL>`.
 * Hooks run on their own thread, so the record goes through a file rather
 * than memory the importing thread could read.
 */
import { appendFileSync } from 'node:fs';

type ResolveContext = { parentURL?: string };
type ResolveResult = { url: string };

export async function resolve(specifier: string, context: ResolveContext, nextResolve: (s: string, c: ResolveContext) => Promise<ResolveResult>): Promise<ResolveResult> {
  const result = await nextResolve(specifier, context);
  const out = process.env.IMPORT_RECORD_FILE;
  if (out) appendFileSync(out, `${context.parentURL ?? '-'} ${result.url}\n`);
  return result;
}
