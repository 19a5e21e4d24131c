/**
 * S3 tag sets: parsed from a `<Tagging>` body or the `x-amz-tagging`
 * header (URL query form), checked against S3's limits, and kept in one
 * header value in URL query form (`k1=v1&k2=v2`, each part
 * percent-encoded), which is also what `x-amz-tagging` looks like.
 */
import { S3Errors } from './errors.js';
import { childNodes, childText, tag, type XmlNode } from './xml.js';

export type TagSet = [key: string, value: string][];

/** Where an object's tag set lives (transient sysmeta: an object POST can change it, as PutObjectTagging must). */
export const OBJECT_TAGGING_SYSMETA = 'x-object-transient-sysmeta-s3api-tagging';
export const BUCKET_TAGGING_SYSMETA = 'x-container-sysmeta-s3api-tagging';

export const MAX_OBJECT_TAGS = 10;
export const MAX_BUCKET_TAGS = 50;
const MAX_KEY = 128;
const MAX_VALUE = 256;
// S3's allowed characters: letters, digits, spaces, and + - = . _ : / @
const ALLOWED = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Checks a tag set against S3's rules: InvalidTag when one is broken. */
export function checkTags(tags: TagSet, max: number): TagSet {
  if (tags.length > max) throw S3Errors.InvalidTag({}, `Object tags cannot be greater than ${max}`);
  const seen = new Set<string>();
  for (const [k, v] of tags) {
    if (k.length === 0 || [...k].length > MAX_KEY) throw S3Errors.InvalidTag({ TagKey: k }, 'The TagKey you have provided is too long, max 128');
    if ([...v].length > MAX_VALUE) throw S3Errors.InvalidTag({ TagKey: k, TagValue: v }, 'The TagValue you have provided is too long, max 256');
    if (!ALLOWED.test(k) || !ALLOWED.test(v)) throw S3Errors.InvalidTag({ TagKey: k }, 'The TagKey you have provided is invalid');
    if (k.startsWith('aws:')) throw S3Errors.InvalidTag({ TagKey: k }, 'Your TagKey cannot be prefixed with aws:');
    if (seen.has(k)) throw S3Errors.InvalidTag({ TagKey: k }, 'Cannot provide multiple Tags with the same key');
    seen.add(k);
  }
  return tags;
}

/** `x-amz-tagging` (URL query form), checked. */
export function parseTaggingHeader(value: string): TagSet {
  const tags: TagSet = [];
  for (const part of value.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const decode = (s: string): string => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        throw S3Errors.InvalidArgument({ ArgumentName: 'x-amz-tagging', ArgumentValue: value }, 'The header \'x-amz-tagging\' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.');
      }
    };
    tags.push([decode(eq === -1 ? part : part.slice(0, eq)), decode(eq === -1 ? '' : part.slice(eq + 1))]);
  }
  return checkTags(tags, MAX_OBJECT_TAGS);
}

/** A `<Tagging>` document's tag set (MalformedXML when it is not one), checked. */
export function parseTaggingXml(doc: XmlNode, max: number): TagSet {
  const sets = childNodes(doc, 'TagSet');
  if (sets.length !== 1) throw S3Errors.MalformedXML();
  const tags: TagSet = childNodes(sets[0], 'Tag').map((t) => {
    const k = childText(t, 'Key');
    const v = childText(t, 'Value');
    if (k === undefined || v === undefined) throw S3Errors.MalformedXML();
    return [k, v];
  });
  return checkTags(tags, max);
}

/** The stored form. */
export function encodeTags(tags: TagSet): string {
  return tags.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

/** The stored form read back (never throws: what was stored was checked). */
export function decodeTags(stored: string | undefined): TagSet {
  if (!stored) return [];
  return stored.split('&').filter(Boolean).map((p) => {
    const eq = p.indexOf('=');
    return [decodeURIComponent(p.slice(0, eq)), decodeURIComponent(p.slice(eq + 1))];
  });
}

/** `<Tagging><TagSet>…</TagSet></Tagging>`'s inner XML. */
export function tagSetXml(tags: TagSet): string {
  return `<TagSet>${tags.map(([k, v]) => `<Tag>${tag('Key', k)}${tag('Value', v)}</Tag>`).join('')}</TagSet>`;
}
