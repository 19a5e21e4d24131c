/**
 * S3's XML: responses are built as strings (cheap, and the shapes are
 * fixed), request bodies are parsed with fast-xml-parser. A document with a
 * DOCTYPE is refused before parsing (`MalformedXML`), so no entity of any
 * kind, external or internal, is ever declared, let alone resolved; the
 * parser itself refuses external entities too.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { S3Errors } from './errors.js';

export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for an element's content or an attribute. */
export function esc(s: string): string {
  return /[&<>"']/.test(s) ? s.replace(/[&<>"']/g, (c) => ESCAPES[c]) : s;
}

/** `<name>text</name>`, the text escaped. */
export function tag(name: string, text: string | number | boolean): string {
  return `<${name}>${esc(String(text))}</${name}>`;
}

/** A whole document: the declaration, then `<root xmlns=S3>inner</root>`. */
export function xmlDocument(root: string, inner: string, namespaced = true): string {
  return `${DECL}<${root}${namespaced ? ` xmlns="${S3_NS}"` : ''}>${inner}</${root}>`;
}

/** S3's listing and error timestamps: ISO 8601 with milliseconds, UTC. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  // XML's five named entities and its character references (&#34;, &#x22;:
  // Go's encoding/xml writes quotes so, as in rclone's CompleteMultipartUpload),
  // but none of HTML's named ones. (An object here means "these names, and
  // numeric references allowed"; the typings know only the boolean.)
  htmlEntities: {} as unknown as boolean,
  // Elements that repeat are always arrays, whatever their count.
  isArray: (name) => REPEATED.has(name),
});

const REPEATED = new Set(['Object', 'Part', 'Grant', 'CORSRule', 'Rule', 'Tag', 'AllowedMethod', 'AllowedOrigin', 'AllowedHeader', 'ExposeHeader']);

export type XmlNode = { [name: string]: XmlValue };
export type XmlValue = string | XmlNode | XmlValue[];

/**
 * Parses a request body, checking its root element's name. Anything not
 * well-formed, any DOCTYPE, or another root is `MalformedXML`.
 */
export function parseXml(body: Buffer, root: string): XmlNode {
  const text = body.toString('utf8');
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) throw S3Errors.MalformedXML();
  if (XMLValidator.validate(text) !== true) throw S3Errors.MalformedXML();
  let doc: XmlNode;
  try {
    doc = parser.parse(text) as XmlNode;
  } catch {
    throw S3Errors.MalformedXML();
  }
  const top = doc[root];
  if (top === undefined) throw S3Errors.MalformedXML();
  if (typeof top === 'string') return {};
  if (Array.isArray(top)) throw S3Errors.MalformedXML();
  return top;
}

/** The text of a child element, or undefined. */
export function childText(node: XmlNode, name: string): string | undefined {
  const v = node[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) throw S3Errors.MalformedXML();
  // An element with children where text was expected; an empty element parses as ''.
  if (Object.keys(v).length === 0) return '';
  throw S3Errors.MalformedXML();
}

/** The child elements of a repeated name, as nodes. */
export function childNodes(node: XmlNode, name: string): XmlNode[] {
  const v = node[name];
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => {
    if (typeof x === 'string') return x === '' ? {} : ({ '#text': x } as XmlNode);
    if (Array.isArray(x)) throw S3Errors.MalformedXML();
    return x;
  });
}
