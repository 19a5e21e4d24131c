/**
 * `/static/…`: the compiled browser modules (dist/dashboard/web) and the
 * style sheet (dist/dashboard/static), found once at start-up, so a URL
 * can only ever name one of those files.
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.png': 'image/png', '.svg': 'image/svg+xml',
};

export const STATIC_ROOTS = [fileURLToPath(new URL('./web/', import.meta.url)), fileURLToPath(new URL('./static/', import.meta.url))];

interface StaticFile {
  path: string;
  type: string;
  size: number;
}

function walk(root: string, dir: string, into: Map<string, StaticFile>): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) walk(root, path, into);
    else if (TYPES[extname(name)]) into.set(`/${relative(root, path).split(sep).join('/')}`, { path, type: TYPES[extname(name)], size: st.size });
  }
}

/** Every servable file by its URL path under /static. */
export function staticFiles(roots = STATIC_ROOTS): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const root of roots) walk(root, root, files);
  return files;
}

export async function staticRoutes(app: FastifyInstance): Promise<void> {
  const files = staticFiles();
  app.get('/*', { config: { public: true } }, async (request, reply) => {
    const file = files.get(request.url.slice('/static'.length).split('?')[0]);
    if (!file) return reply.code(404).type('text/plain').send('not found');
    return reply.type(file.type).header('content-length', file.size).header('cache-control', 'no-cache').send(createReadStream(file.path));
  });
}
