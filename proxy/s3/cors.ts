/**
 * S3 CORS configurations: `<CORSConfiguration>` parsed and checked
 * (MalformedXML; InvalidRequest for an unsupported method or a second
 * wildcard), kept as JSON in the bucket's sysmeta, rendered back as XML;
 * and the rule that answers a request: the first whose origin and method
 * (and, for a preflight, every requested header) match, as S3 picks it.
 */
import type { Headers } from '../types.js';
import { S3Error, S3Errors } from './errors.js';
import { childNodes, childText, tag, type XmlNode } from './xml.js';

export const CORS_SYSMETA = 'x-container-sysmeta-s3api-cors';

const METHODS = new Set(['GET', 'PUT', 'HEAD', 'POST', 'DELETE']);
const MAX_RULES = 100;

export interface CorsRule {
  id?: string;
  methods: string[];
  origins: string[];
  headers: string[];
  expose: string[];
  maxAge?: number;
}

function texts(node: XmlNode, name: string): string[] {
  return childNodes(node, name).map((n) => {
    const t = n['#text'];
    if (typeof t === 'string') return t;
    if (Object.keys(n).length === 0) return '';
    throw S3Errors.MalformedXML();
  });
}

function oneWildcard(values: string[], what: string): void {
  for (const v of values) {
    if (v.split('*').length > 2) throw S3Errors.InvalidRequest({}, `${what} "${v}" can not have more than one wildcard.`);
  }
}

function parseRule(node: XmlNode): CorsRule {
  const methods = texts(node, 'AllowedMethod');
  const origins = texts(node, 'AllowedOrigin');
  if (methods.length === 0 || origins.length === 0) throw S3Errors.MalformedXML();
  for (const m of methods) {
    if (!METHODS.has(m)) throw S3Errors.InvalidRequest({}, `Found unsupported HTTP method in CORS config. Unsupported method is ${m}`);
  }
  oneWildcard(origins, 'AllowedOrigin');
  const headers = texts(node, 'AllowedHeader');
  oneWildcard(headers, 'AllowedHeader');
  const rule: CorsRule = { methods, origins, headers, expose: texts(node, 'ExposeHeader') };
  const id = childText(node, 'ID');
  if (id !== undefined) {
    if (id.length > 255) throw S3Errors.InvalidArgument({}, 'ID length should not exceed allowed limit of 255');
    rule.id = id;
  }
  const maxAge = childText(node, 'MaxAgeSeconds');
  if (maxAge !== undefined) {
    if (!/^\d+$/.test(maxAge)) throw S3Errors.MalformedXML();
    rule.maxAge = Number(maxAge);
  }
  return rule;
}

/** A `<CORSConfiguration>`'s rules, checked. */
export function parseCors(doc: XmlNode): CorsRule[] {
  const nodes = childNodes(doc, 'CORSRule');
  if (nodes.length === 0 || nodes.length > MAX_RULES) throw S3Errors.MalformedXML();
  return nodes.map(parseRule);
}

/** The rules as S3 renders them (the inner XML of `<CORSConfiguration>`). */
export function corsXml(rules: CorsRule[]): string {
  return rules.map((r) => {
    let x = r.id !== undefined ? tag('ID', r.id) : '';
    for (const h of r.headers) x += tag('AllowedHeader', h);
    for (const m of r.methods) x += tag('AllowedMethod', m);
    for (const o of r.origins) x += tag('AllowedOrigin', o);
    for (const e of r.expose) x += tag('ExposeHeader', e);
    if (r.maxAge !== undefined) x += tag('MaxAgeSeconds', r.maxAge);
    return `<CORSRule>${x}</CORSRule>`;
  }).join('');
}

export function storedCors(value: string | undefined): CorsRule[] {
  if (!value) return [];
  try {
    const rules = JSON.parse(value) as unknown;
    return Array.isArray(rules) ? (rules as CorsRule[]) : [];
  } catch {
    return [];
  }
}

/** A pattern with at most one `*`, matched whole (case-insensitively for header names). */
function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  const star = p.indexOf('*');
  if (star === -1) return p === v;
  const head = p.slice(0, star);
  const tail = p.slice(star + 1);
  return v.length >= head.length + tail.length && v.startsWith(head) && v.endsWith(tail);
}

/** The first rule allowing `origin` to use `method` (and, in a preflight, each of `requested` headers). */
export function matchRule(rules: CorsRule[], origin: string, method: string, requested: string[] = []): CorsRule | undefined {
  return rules.find((r) => r.origins.some((o) => wildcardMatch(o, origin))
    && r.methods.includes(method)
    && requested.every((h) => r.headers.some((a) => wildcardMatch(a, h, true))));
}

/** The Access-Control-* headers a matched rule gives (a preflight also names the headers it allows). */
export function corsHeaders(rule: CorsRule, origin: string, requested?: string[]): Headers {
  const any = rule.origins.includes('*');
  const out: Headers = {
    'access-control-allow-origin': any ? '*' : origin,
    'access-control-allow-methods': rule.methods.join(', '),
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
  if (!any) out['access-control-allow-credentials'] = 'true';
  if (requested?.length) out['access-control-allow-headers'] = requested.join(', ');
  if (rule.expose.length) out['access-control-expose-headers'] = rule.expose.join(', ');
  if (rule.maxAge !== undefined) out['access-control-max-age'] = String(rule.maxAge);
  return out;
}

/** S3's refusal of a preflight. */
export function corsForbidden(msg = 'CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource\'s CORS spec.'): S3Error {
  return new S3Error('AccessForbidden', 403, msg, { Method: 'OPTIONS', ResourceType: 'OBJECT' });
}
