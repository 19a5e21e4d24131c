/**
 * list_endpoints: `GET <list_endpoints_path>[v1|v2/]<account>[/<container>[/<object>]]`
 * answers where that account, container or object lives, as Swift's
 * filter of that name: the storage nodes' URLs from the rings (the
 * object's from its container's storage policy's ring), as a JSON list
 * (v1, the default) or `{"endpoints": [...], "headers": {...}}` (v2, with
 * the policy index an object request must send). For services that talk
 * to the storage nodes directly (Hadoop-style data locality). The path
 * defaults to `/endpoints/`; anything else passes by.
 */
import type { FilterFactory, PipelineContext } from '../types.js';
import { quotePath } from '../../common/index.js';
import { makeResponse } from '../response.js';
import { unquoteBytes } from '../request-path.js';

const VERSIONS = [1, 2];

/**
 * Swift's `split_path(path, minsegs, maxsegs, rest_with_last=True)`: the
 * segments after the leading `/`, the last taking the rest, missing ones
 * undefined; undefined where Swift raises ValueError.
 */
function splitPath(path: string, minsegs: number, maxsegs: number): (string | undefined)[] | undefined {
  const segs: string[] = [];
  let rest = path;
  while (segs.length < maxsegs) {
    const i = rest.indexOf('/');
    if (i === -1) break;
    segs.push(rest.slice(0, i));
    rest = rest.slice(i + 1);
  }
  segs.push(rest);
  if (segs[0] !== '' || segs.length < minsegs + 1 || segs.slice(1, minsegs + 1).includes('')) return undefined;
  const out: (string | undefined)[] = segs.slice(1);
  while (out.length < maxsegs) out.push(undefined);
  return out;
}

/** Python's `json.dumps` (its `, ` and `: ` separators, non-ASCII escaped) of strings, lists and flat objects. */
function pythonJson(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`).join(', ')}}`;
}

class BadPath extends Error {}

/** The response version and the (still quoted) account, container and object a path after the prefix names. */
function parsePath(cleanPath: string): { version: number; parts: (string | undefined)[] } {
  const first = splitPath(cleanPath, 1, 2);
  if (!first) throw new BadPath('No account specified');
  const [rawVersion, afterVersion] = first as [string, string | undefined];
  let version = Number(rawVersion.replace(/^v+/, ''));
  let rest: string;
  // Python's float(): surrounding whitespace allowed, an empty string not.
  if (rawVersion.replace(/^v+/, '').trim() !== '' && VERSIONS.includes(version)) {
    rest = afterVersion ? `/${afterVersion}` : '/';
  } else {
    if (rawVersion.startsWith('v') && !rawVersion.includes('_')) throw new BadPath(`Unsupported version '${rawVersion}'`);
    version = 1;
    rest = cleanPath;
  }
  const parts = splitPath(rest, 1, 3);
  if (!parts) throw new BadPath('No account specified');
  return { version, parts };
}

const decode = (s: string) => unquoteBytes(s).toString('utf8');

async function endpointsOf(ctx: PipelineContext, req: Parameters<NonNullable<PipelineContext['infoSource']>['account']>[0], account: string, container?: string, object?: string) {
  const rings = ctx.rings;
  if (!rings || !ctx.infoSource) throw new Error('list_endpoints needs the proxy app at the end of the pipeline');
  if (object !== undefined) {
    const policy = (await ctx.infoSource.container(req, account, container!)).storagePolicy;
    const { partition, nodes } = rings.object(policy).getNodes(account, container, object);
    return { policy, partition, nodes, tail: `${quotePath(account)}/${quotePath(container!)}/${quotePath(object)}` };
  }
  if (container !== undefined) {
    const { partition, nodes } = rings.container.getNodes(account, container);
    return { partition, nodes, tail: `${quotePath(account)}/${quotePath(container)}` };
  }
  const { partition, nodes } = rings.account.getNodes(account);
  return { partition, nodes, tail: quotePath(account) };
}

export const listEndpoints: FilterFactory = (conf, ctx) => {
  let prefix = conf.list_endpoints_path ?? '/endpoints/';
  if (!prefix.endsWith('/')) prefix += '/';
  ctx.ownPaths?.add(prefix.replace(/^\/+/, '').split('/')[0]);

  return (next) => async (req) => {
    if (!req.path.startsWith(prefix)) return next(req);
    if (req.method !== 'GET') return makeResponse(405, undefined, { allow: 'GET' });
    let parsed;
    try {
      parsed = parsePath(req.path.slice(prefix.length - 1));
    } catch (err) {
      if (err instanceof BadPath) return makeResponse(400, err.message);
      throw err;
    }
    const [account, container, object] = parsed.parts.map((p) => (p === undefined ? undefined : decode(p)));
    const where = await endpointsOf(ctx, req, account!, container, object);
    const endpoints = where.nodes.map((n) => `http://${n.ip}:${n.port}/${n.device}/${where.partition}/${where.tail}`);
    const body = parsed.version === 1
      ? pythonJson(endpoints)
      : pythonJson({ endpoints, headers: where.policy === undefined ? {} : { 'X-Backend-Storage-Policy-Index': String(where.policy) } });
    return makeResponse(200, body, { 'content-type': 'application/json' });
  };
};
