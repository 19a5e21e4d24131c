/**
 * The object browser. The browser does most of it through the Swift API
 * relay (/api/swift); here only what needs the server: its settings, and
 * share links, tempurls signed with the account's Temp-URL key (set to a
 * new random one when the account has none).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { DashboardPage, PageContext } from './page.js';
import type { Session } from '../session.js';
import { SwiftStatusError, type SwiftClient } from '../swift-client.js';

const TEMP_URL_KEY = 'x-account-meta-temp-url-key';
/** The longest share link we sign (a year), and the shortest (a minute). */
const MAX_EXPIRY = 365 * 24 * 3600;
const MIN_EXPIRY = 60;

interface ShareBody {
  container?: unknown;
  object?: unknown;
  /** Seconds from now. */
  expiresIn?: unknown;
}

/** The account's Temp-URL key, made and set when there is none. */
async function tempUrlKey(swift: SwiftClient, session: Session): Promise<string> {
  const head = await swift.request(session, { method: 'HEAD', path: '' });
  await head.body.dump();
  if (head.statusCode >= 300) throw new SwiftStatusError(head.statusCode, 'HEAD of the account');
  const existing = head.headers[TEMP_URL_KEY] ?? head.headers[`${TEMP_URL_KEY}-2`];
  if (typeof existing === 'string' && existing) return existing;
  const key = randomBytes(24).toString('base64url');
  const post = await swift.request(session, { method: 'POST', path: '', headers: { [TEMP_URL_KEY]: key } });
  await post.body.dump();
  if (post.statusCode >= 300) throw new SwiftStatusError(post.statusCode, 'setting the account Temp-URL key');
  return key;
}

/** Swift's tempurl signature (sha256, hex) of a GET of `path` (unquoted) until `expires`. */
export function tempUrlSignature(key: string, path: string, expires: number): string {
  return createHmac('sha256', key).update(`GET\n${expires}\n${path}`).digest('hex');
}

function quotePathSegments(path: string): string {
  return path.split('/').map((s) => encodeURIComponent(s)).join('/');
}

export const objectsPage: DashboardPage = {
  id: 'objects',
  title: 'Objects',
  script: 'objects.js',
  async routes(app, ctx: PageContext) {
    app.get('/settings', async () => ({ segmentSize: ctx.config.segmentSize }));

    app.post<{ Body: ShareBody }>('/share', async (request, reply) => {
      const { container, object, expiresIn } = request.body ?? {};
      const seconds = Number(expiresIn);
      if (typeof container !== 'string' || !container || container.includes('/') || typeof object !== 'string' || !object) {
        return reply.code(400).send({ error: 'container and object are required' });
      }
      if (!Number.isInteger(seconds) || seconds < MIN_EXPIRY || seconds > MAX_EXPIRY) {
        return reply.code(400).send({ error: `expiresIn must be whole seconds between ${MIN_EXPIRY} and ${MAX_EXPIRY}` });
      }
      const session = request.session!;
      const key = await tempUrlKey(ctx.swift, session);
      const expires = Math.floor(Date.now() / 1000) + seconds;
      const path = `${decodeURIComponent(session.storagePath)}/${container}/${object}`;
      const sig = tempUrlSignature(key, path, expires);
      const url = `${ctx.config.publicProxyUrl}${quotePathSegments(path)}?temp_url_sig=${sig}&temp_url_expires=${expires}`;
      request.log.info({ container, expires }, 'share link made');
      return { url, expires };
    });
  },
};
