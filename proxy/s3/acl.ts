/**
 * S3 access control lists (AWS "Access control list (ACL) overview"), kept
 * as Swift's s3api keeps them with `s3_acl = yes`: JSON in the bucket's
 * container sysmeta (`X-Container-Sysmeta-S3api-Acl`) or the object's
 * (`X-Object-Sysmeta-S3api-Acl`), `{"Owner": id, "Grant": [{"Permission",
 * "Grantee"}]}` where a grantee is a user id (`account:user`) or a group's
 * name (AllUsers, AuthenticatedUsers, LogDelivery). An ACL comes from a
 * canned `x-amz-acl`, `x-amz-grant-*` headers or an AccessControlPolicy body.
 */
import type { Headers } from '../types.js';
import { S3Errors } from './errors.js';
import { childNodes, childText, parseXml, tag, xmlDocument, type XmlNode } from './xml.js';

export const PERMISSIONS = ['FULL_CONTROL', 'READ', 'WRITE', 'READ_ACP', 'WRITE_ACP'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const GROUPS = {
  AllUsers: 'http://acs.amazonaws.com/groups/global/AllUsers',
  AuthenticatedUsers: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers',
  LogDelivery: 'http://acs.amazonaws.com/groups/s3/LogDelivery',
} as const;
export type GroupName = keyof typeof GROUPS;

export type Grantee = { user: string } | { group: GroupName };
export interface Grant {
  grantee: Grantee;
  permission: Permission;
}
export interface Acl {
  /** The owner's id; undefined when none is recorded (a container made through Swift). */
  owner?: string;
  grants: Grant[];
}

export const BUCKET_ACL_SYSMETA = 'x-container-sysmeta-s3api-acl';
export const OBJECT_ACL_SYSMETA = 'x-object-sysmeta-s3api-acl';
/** A multipart upload's ACL, kept on its upload marker until it completes (Swift's `tmpacl`). */
export const UPLOAD_ACL_SYSMETA = 'x-object-sysmeta-s3api-tmpacl';

/** S3's canned ACLs: the grants each gives, given the bucket's owner and the new resource's. */
const CANNED: Record<string, (bucketOwner: string, owner: string) => Grant[]> = {
  private: (_b, o) => [full(o)],
  'public-read': (_b, o) => [group('AllUsers', 'READ'), full(o)],
  'public-read-write': (_b, o) => [group('AllUsers', 'READ'), group('AllUsers', 'WRITE'), full(o)],
  'authenticated-read': (_b, o) => [group('AuthenticatedUsers', 'READ'), full(o)],
  'bucket-owner-read': (b, o) => [{ grantee: { user: b }, permission: 'READ' }, full(o)],
  'bucket-owner-full-control': (b, o) => [full(o), full(b)],
  'log-delivery-write': (_b, o) => [group('LogDelivery', 'WRITE'), group('LogDelivery', 'READ_ACP'), full(o)],
};

function full(user: string): Grant {
  return { grantee: { user }, permission: 'FULL_CONTROL' };
}

function group(name: GroupName, permission: Permission): Grant {
  return { grantee: { group: name }, permission };
}

export function privateAcl(owner: string): Acl {
  return { owner, grants: [full(owner)] };
}

/** The JSON Swift's s3api stores. */
export function encodeAcl(acl: Acl): string {
  const grants = acl.grants.map((g) => ({ Permission: g.permission, Grantee: 'user' in g.grantee ? g.grantee.user : g.grantee.group }));
  return JSON.stringify({ Owner: acl.owner, Grant: grants });
}

/** The ACL in a resource's headers; no owner and no grants when none (or an unreadable one) is stored. */
export function decodeAcl(headers: Headers, sysmeta: string): Acl {
  const raw = headers[sysmeta];
  if (!raw) return { grants: [] };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { grants: [] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { grants: [] };
  const v = value as { Owner?: unknown; Grant?: unknown };
  const grants: Grant[] = [];
  for (const g of Array.isArray(v.Grant) ? v.Grant : []) {
    const { Permission: p, Grantee: who } = (g ?? {}) as { Permission?: unknown; Grantee?: unknown };
    if (typeof who !== 'string' || !PERMISSIONS.includes(p as Permission)) continue;
    grants.push({ grantee: who in GROUPS ? { group: who as GroupName } : { user: who }, permission: p as Permission });
  }
  return { owner: typeof v.Owner === 'string' ? v.Owner : undefined, grants };
}

function groupOfUri(uri: string): GroupName {
  for (const [name, u] of Object.entries(GROUPS)) if (u === uri) return name as GroupName;
  throw S3Errors.InvalidArgument({ ArgumentName: 'uri', ArgumentValue: uri }, 'Invalid group uri');
}

/** One grantee of an `x-amz-grant-*` header: `id="…"`, `uri="…"` or `emailAddress="…"`. */
function granteeOfHeader(text: string): Grantee {
  const eq = text.indexOf('=');
  if (eq === -1) throw S3Errors.InvalidArgument({ ArgumentName: 'x-amz-grant', ArgumentValue: text.trim() }, 'Argument format not recognized');
  const type = text.slice(0, eq).trim().toLowerCase();
  const value = text.slice(eq + 1).trim().replace(/^["']+|["']+$/g, '');
  if (type === 'id') return { user: value };
  if (type === 'uri') return { group: groupOfUri(value) };
  // Swift's s3api has no e-mail addresses to resolve.
  if (type === 'emailaddress') throw S3Errors.NotImplemented({}, 'Grants by e-mail address are not implemented.');
  throw S3Errors.InvalidArgument({ ArgumentName: type, ArgumentValue: value }, 'Argument format not recognized');
}

/**
 * The ACL a request's headers ask for: `x-amz-acl` (canned) or the
 * `x-amz-grant-*` headers (not both: InvalidRequest); undefined when it has
 * neither. `owner` owns the new ACL (the object's writer, or the bucket's owner).
 */
export function aclFromHeaders(h: Headers, bucketOwner: string, owner = bucketOwner): Acl | undefined {
  const grants: Grant[] = [];
  for (const p of PERMISSIONS) {
    const value = h[`x-amz-grant-${p.toLowerCase().replace('_', '-')}`];
    if (value === undefined) continue;
    for (const part of value.split(',')) grants.push({ grantee: granteeOfHeader(part), permission: p });
  }
  const canned = h['x-amz-acl'];
  if (canned !== undefined) {
    if (grants.length) throw S3Errors.InvalidRequest({}, 'Specifying both Canned ACLs and Header Grants is not allowed');
    const make = CANNED[canned];
    if (!make) throw S3Errors.InvalidArgument({ ArgumentName: 'x-amz-acl', ArgumentValue: canned });
    return { owner, grants: make(bucketOwner, owner) };
  }
  return grants.length ? { owner, grants } : undefined;
}

function granteeOfXml(node: XmlNode): Grantee {
  const id = childText(node, 'ID');
  if (id !== undefined) return { user: id };
  const uri = childText(node, 'URI');
  if (uri !== undefined) return { group: groupOfUri(uri) };
  if (childText(node, 'EmailAddress') !== undefined) throw S3Errors.NotImplemented({}, 'Grants by e-mail address are not implemented.');
  throw S3Errors.MalformedACLError();
}

/** An AccessControlPolicy body; MalformedACLError when it is not one. */
export function aclFromXml(body: Buffer): Acl {
  let root: XmlNode;
  try {
    root = parseXml(body, 'AccessControlPolicy');
  } catch {
    throw S3Errors.MalformedACLError();
  }
  const owner = root.Owner;
  if (owner === undefined || typeof owner === 'string' || Array.isArray(owner)) throw S3Errors.MalformedACLError();
  const ownerId = childText(owner, 'ID');
  if (!ownerId) throw S3Errors.MalformedACLError();
  const list = root.AccessControlList;
  if (list === undefined || Array.isArray(list)) throw S3Errors.MalformedACLError();
  const grants: Grant[] = [];
  for (const g of typeof list === 'string' ? [] : childNodes(list, 'Grant')) {
    const who = g.Grantee;
    const permission = childText(g, 'Permission');
    if (who === undefined || typeof who === 'string' || Array.isArray(who) || permission === undefined) throw S3Errors.MalformedACLError();
    if (!PERMISSIONS.includes(permission as Permission)) throw S3Errors.MalformedACLError();
    grants.push({ grantee: granteeOfXml(who), permission: permission as Permission });
  }
  return { owner: ownerId, grants };
}

const XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';

/** GetBucketAcl / GetObjectAcl's AccessControlPolicy document. */
export function aclXml(acl: Acl): string {
  let inner = acl.owner === undefined ? '<Owner><ID/><DisplayName/></Owner>' : `<Owner>${tag('ID', acl.owner)}${tag('DisplayName', acl.owner)}</Owner>`;
  inner += '<AccessControlList>';
  for (const g of acl.grants) {
    const who = 'user' in g.grantee
      ? `<Grantee ${XSI} xsi:type="CanonicalUser">${tag('ID', g.grantee.user)}${tag('DisplayName', g.grantee.user)}</Grantee>`
      : `<Grantee ${XSI} xsi:type="Group">${tag('URI', GROUPS[g.grantee.group])}</Grantee>`;
    inner += `<Grant>${who}${tag('Permission', g.permission)}</Grant>`;
  }
  inner += '</AccessControlList>';
  return xmlDocument('AccessControlPolicy', inner);
}

/** The LogDelivery group's member: a user named `.log_delivery` (Swift's s3api). */
function inGroup(name: GroupName, userId: string | undefined): boolean {
  if (name === 'AllUsers') return true;
  if (userId === undefined) return false;
  if (name === 'AuthenticatedUsers') return true;
  return userId.slice(userId.indexOf(':') + 1) === '.log_delivery';
}

/**
 * Whether `userId` (undefined: an anonymous request) holds `permission`:
 * the owner holds every permission; FULL_CONTROL holds them all. With no
 * owner recorded, `allowNoOwner` opens the resource to all.
 */
export function allows(acl: Acl, userId: string | undefined, permission: Permission | 'OWNER', allowNoOwner: boolean): boolean {
  if (acl.owner === undefined) return allowNoOwner;
  if (userId !== undefined && userId === acl.owner) return true;
  if (permission === 'OWNER') return false;
  return acl.grants.some((g) => (g.permission === permission || g.permission === 'FULL_CONTROL')
    && ('user' in g.grantee ? userId !== undefined && g.grantee.user === userId : inGroup(g.grantee.group, userId)));
}
