/**
 * S3 lifecycle configurations: parsed from `<LifecycleConfiguration>`,
 * checked as S3 checks them, kept as compact JSON in the bucket's sysmeta,
 * rendered back as XML; and the one part applied, Expiration, turned into
 * the X-Delete-At an object gets when it is written (Swift's expirer then
 * deletes it).
 */
import { S3Errors } from './errors.js';
import { childNodes, childText, tag, type XmlNode } from './xml.js';
import { checkTags, tagSetXml, type TagSet } from './tags.js';

export const LIFECYCLE_SYSMETA = 'x-container-sysmeta-s3api-lifecycle';
/** The rule that gave an object its X-Delete-At (for `x-amz-expiration`). */
export const EXPIRATION_RULE_SYSMETA = 'x-object-sysmeta-s3api-expiration-rule';

const DAY = 86400 * 1000;
const MAX_RULES = 1000;

interface Filter {
  prefix?: string;
  tags?: TagSet;
  sizeGt?: number;
  sizeLt?: number;
}

interface Timing {
  days?: number;
  date?: string;
}

export interface LifecycleRule {
  id: string;
  status: 'Enabled' | 'Disabled';
  /** The legacy top-level `<Prefix>` (no `<Filter>`). */
  prefix?: string;
  filter?: Filter;
  expiration?: Timing & { expiredObjectDeleteMarker?: boolean };
  transitions?: (Timing & { storageClass: string })[];
  noncurrentExpiration?: { days: number; newer?: number };
  noncurrentTransitions?: { days: number; storageClass: string; newer?: number }[];
  abortMultipartDays?: number;
}

const bad = (msg: string) => S3Errors.InvalidArgument({}, msg);

function positiveInt(text: string | undefined, what: string): number {
  if (text === undefined || !/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 2147483647) throw bad(`'${what}' must be a positive integer`);
  return Number(text);
}

function midnightDate(text: string): string {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw S3Errors.MalformedXML();
  if (ms % DAY !== 0) throw bad("'Date' must be at midnight GMT");
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function timing(node: XmlNode, what: string): Timing {
  const days = childText(node, 'Days');
  const date = childText(node, 'Date');
  if ((days === undefined) === (date === undefined)) throw S3Errors.MalformedXML();
  return days !== undefined ? { days: positiveInt(days, `${what} Days`) } : { date: midnightDate(date!) };
}

function one(node: XmlNode, name: string): XmlNode | undefined {
  const nodes = childNodes(node, name);
  if (nodes.length > 1) throw S3Errors.MalformedXML();
  return nodes[0];
}

function parseTag(node: XmlNode): [string, string] {
  const k = childText(node, 'Key');
  const v = childText(node, 'Value');
  if (k === undefined || v === undefined) throw S3Errors.MalformedXML();
  return [k, v];
}

function size(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw S3Errors.MalformedXML();
  return Number(text);
}

function parseFilter(node: XmlNode): Filter {
  const and = one(node, 'And');
  const direct = ['Prefix', 'Tag', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan'].filter((n) => node[n] !== undefined);
  if (and && direct.length) throw S3Errors.MalformedXML();
  if (!and && direct.length > 1) throw S3Errors.MalformedXML();
  const src = and ?? node;
  const filter: Filter = {};
  const prefix = childText(src, 'Prefix');
  if (prefix !== undefined) filter.prefix = prefix;
  const tags = childNodes(src, 'Tag').map(parseTag);
  if (tags.length) filter.tags = checkTags(tags, 50);
  filter.sizeGt = size(childText(src, 'ObjectSizeGreaterThan'));
  filter.sizeLt = size(childText(src, 'ObjectSizeLessThan'));
  if (filter.sizeGt !== undefined && filter.sizeLt !== undefined && filter.sizeGt >= filter.sizeLt) {
    throw bad('ObjectSizeGreaterThan must be less than ObjectSizeLessThan');
  }
  return filter;
}

function parseRule(node: XmlNode, index: number): LifecycleRule {
  const id = childText(node, 'ID') || `rule-${index + 1}`;
  if (id.length > 255) throw bad('ID length should not exceed allowed limit of 255');
  const status = childText(node, 'Status');
  if (status !== 'Enabled' && status !== 'Disabled') throw S3Errors.MalformedXML();
  const rule: LifecycleRule = { id, status };
  const filter = one(node, 'Filter');
  const prefix = childText(node, 'Prefix');
  if (filter && prefix !== undefined) throw S3Errors.MalformedXML();
  if (filter) rule.filter = parseFilter(filter);
  else if (prefix !== undefined) rule.prefix = prefix;
  else throw S3Errors.MalformedXML();
  const exp = one(node, 'Expiration');
  if (exp) {
    const eodm = childText(exp, 'ExpiredObjectDeleteMarker');
    if (eodm !== undefined) {
      if (exp.Days !== undefined || exp.Date !== undefined) throw S3Errors.MalformedXML();
      if (eodm !== 'true' && eodm !== 'false') throw S3Errors.MalformedXML();
      if (rule.filter?.tags) throw bad('ExpiredObjectDeleteMarker cannot be specified with object tags');
      rule.expiration = { expiredObjectDeleteMarker: eodm === 'true' };
    } else {
      rule.expiration = timing(exp, 'Expiration');
    }
  }
  const transitions = childNodes(node, 'Transition').map((t) => {
    const sc = childText(t, 'StorageClass');
    if (!sc) throw S3Errors.MalformedXML();
    return { ...timing(t, 'Transition'), storageClass: sc };
  });
  if (transitions.length) rule.transitions = transitions;
  const nve = one(node, 'NoncurrentVersionExpiration');
  if (nve) {
    rule.noncurrentExpiration = { days: positiveInt(childText(nve, 'NoncurrentDays'), 'NoncurrentDays') };
    const newer = childText(nve, 'NewerNoncurrentVersions');
    if (newer !== undefined) rule.noncurrentExpiration.newer = positiveInt(newer, 'NewerNoncurrentVersions');
  }
  const nvt = childNodes(node, 'NoncurrentVersionTransition').map((t) => {
    const sc = childText(t, 'StorageClass');
    if (!sc) throw S3Errors.MalformedXML();
    const out: { days: number; storageClass: string; newer?: number } = { days: positiveInt(childText(t, 'NoncurrentDays'), 'NoncurrentDays'), storageClass: sc };
    const newer = childText(t, 'NewerNoncurrentVersions');
    if (newer !== undefined) out.newer = positiveInt(newer, 'NewerNoncurrentVersions');
    return out;
  });
  if (nvt.length) rule.noncurrentTransitions = nvt;
  const abort = one(node, 'AbortIncompleteMultipartUpload');
  if (abort) {
    if (rule.filter?.tags) throw bad('AbortIncompleteMultipartUpload cannot be specified with Tags.');
    rule.abortMultipartDays = positiveInt(childText(abort, 'DaysAfterInitiation'), 'DaysAfterInitiation');
  }
  if (!rule.expiration && !rule.transitions && !rule.noncurrentExpiration && !rule.noncurrentTransitions && rule.abortMultipartDays === undefined) {
    throw S3Errors.InvalidRequest({}, 'At least one action needs to be specified in a rule');
  }
  return rule;
}

/** A `<LifecycleConfiguration>`'s rules, checked. */
export function parseLifecycle(doc: XmlNode): LifecycleRule[] {
  const nodes = childNodes(doc, 'Rule');
  if (nodes.length === 0 || nodes.length > MAX_RULES) throw S3Errors.MalformedXML();
  const rules = nodes.map(parseRule);
  const ids = new Set<string>();
  for (const r of rules) {
    if (ids.has(r.id)) throw bad('Rule ID must be unique. Found same ID for more than one rule');
    ids.add(r.id);
  }
  return rules;
}

function timingXml(t: Timing): string {
  return t.days !== undefined ? tag('Days', t.days) : tag('Date', t.date!.replace('Z', '.000Z'));
}

function filterXml(f: Filter): string {
  const parts: string[] = [];
  if (f.prefix !== undefined) parts.push(tag('Prefix', f.prefix));
  for (const [k, v] of f.tags ?? []) parts.push(`<Tag>${tag('Key', k)}${tag('Value', v)}</Tag>`);
  if (f.sizeGt !== undefined) parts.push(tag('ObjectSizeGreaterThan', f.sizeGt));
  if (f.sizeLt !== undefined) parts.push(tag('ObjectSizeLessThan', f.sizeLt));
  return `<Filter>${parts.length > 1 ? `<And>${parts.join('')}</And>` : parts.join('')}</Filter>`;
}

/** The rules as S3 renders them (the inner XML of `<LifecycleConfiguration>`). */
export function lifecycleXml(rules: LifecycleRule[]): string {
  return rules.map((r) => {
    let x = tag('ID', r.id) + (r.filter ? filterXml(r.filter) : tag('Prefix', r.prefix ?? '')) + tag('Status', r.status);
    for (const t of r.transitions ?? []) x += `<Transition>${timingXml(t)}${tag('StorageClass', t.storageClass)}</Transition>`;
    if (r.expiration) {
      x += '<Expiration>' + (r.expiration.expiredObjectDeleteMarker !== undefined ? tag('ExpiredObjectDeleteMarker', r.expiration.expiredObjectDeleteMarker) : timingXml(r.expiration)) + '</Expiration>';
    }
    for (const t of r.noncurrentTransitions ?? []) {
      x += `<NoncurrentVersionTransition>${tag('NoncurrentDays', t.days)}${tag('StorageClass', t.storageClass)}${t.newer !== undefined ? tag('NewerNoncurrentVersions', t.newer) : ''}</NoncurrentVersionTransition>`;
    }
    if (r.noncurrentExpiration) {
      x += `<NoncurrentVersionExpiration>${tag('NoncurrentDays', r.noncurrentExpiration.days)}${r.noncurrentExpiration.newer !== undefined ? tag('NewerNoncurrentVersions', r.noncurrentExpiration.newer) : ''}</NoncurrentVersionExpiration>`;
    }
    if (r.abortMultipartDays !== undefined) x += `<AbortIncompleteMultipartUpload>${tag('DaysAfterInitiation', r.abortMultipartDays)}</AbortIncompleteMultipartUpload>`;
    return `<Rule>${x}</Rule>`;
  }).join('');
}

/** The stored rules (none when the sysmeta is missing or unreadable). */
export function storedRules(value: string | undefined): LifecycleRule[] {
  if (!value) return [];
  try {
    const rules = JSON.parse(value) as unknown;
    return Array.isArray(rules) ? (rules as LifecycleRule[]) : [];
  } catch {
    return [];
  }
}

export interface ObjectFacts {
  key: string;
  size: number;
  tags: TagSet;
}

function matches(rule: LifecycleRule, o: ObjectFacts): boolean {
  const f = rule.filter ?? { prefix: rule.prefix };
  if (f.prefix && !o.key.startsWith(f.prefix)) return false;
  for (const [k, v] of f.tags ?? []) if (!o.tags.some(([ok, ov]) => ok === k && ov === v)) return false;
  if (f.sizeGt !== undefined && !(o.size > f.sizeGt)) return false;
  if (f.sizeLt !== undefined && !(o.size < f.sizeLt)) return false;
  return true;
}

/**
 * When an object written at `nowMs` expires under the rules, and by which:
 * Days counts from the write and rounds up to the next midnight UTC, as S3
 * does; Date is that day. The earliest of the matching rules wins.
 */
export function objectExpiry(rules: LifecycleRule[], o: ObjectFacts, nowMs: number): { at: number; ruleId: string } | undefined {
  let best: { at: number; ruleId: string } | undefined;
  for (const r of rules) {
    if (r.status !== 'Enabled' || !r.expiration || !matches(r, o)) continue;
    let at: number;
    if (r.expiration.days !== undefined) at = Math.ceil((nowMs + r.expiration.days * DAY) / DAY) * DAY;
    else if (r.expiration.date !== undefined) at = Date.parse(r.expiration.date);
    else continue;
    if (!best || at < best.at) best = { at, ruleId: r.id };
  }
  return best;
}

/** `x-amz-expiration`'s value. */
export function expirationHeader(atMs: number, ruleId: string): string {
  return `expiry-date="${new Date(atMs).toUTCString()}", rule-id="${ruleId.replace(/["\\]/g, '\\$&')}"`;
}
