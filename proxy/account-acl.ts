/**
 * Account ACLs as tempauth keeps them (Swift's `acl.py` version 2 and
 * tempauth's checks): `X-Account-Access-Control` is a JSON object
 * `{"admin": [...], "read-write": [...], "read-only": [...]}` of user or
 * group names, stored as the account's sysmeta `core-access-control` and
 * shown to the account's owners re-serialised (sorted keys, ASCII only).
 */
import { pyJsonDumps, pyRepr } from '../common/index.js';

/** The client's header and the sysmeta it is stored as. */
export const ACCOUNT_ACL_HEADER = 'x-account-access-control';
export const ACCOUNT_ACL_SYSMETA = 'x-account-sysmeta-core-access-control';
/** The key of that sysmeta in AccountInfo.sysmeta. */
const SYSMETA_KEY = 'core-access-control';

const LEVELS = ['admin', 'read-write', 'read-only'] as const;
export type AccessLevel = (typeof LEVELS)[number];
export type AccountAcls = Record<AccessLevel, string[]>;

/**
 * Swift's `parse_acl(version=2)`: the JSON object, `{}` for an empty
 * value, or undefined when the text is not JSON or not an object.
 */
export function parseAclV2(data: string | undefined): Record<string, unknown> | undefined {
  if (data === undefined) return undefined;
  if (data === '') return {};
  try {
    const v: unknown = JSON.parse(data);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Swift's `format_acl(version=2)`. */
export function formatAclV2(acl: Record<string, unknown>): string {
  return pyJsonDumps(acl, { sortKeys: true });
}

/** What tempauth finds wrong in a client's ACL (Swift's `extract_acl_and_report_errors`), or undefined. */
export function accountAclError(value: string): string | undefined {
  const acl = parseAclV2(value);
  if (acl === undefined) return `Syntax error in input (${pyRepr(value)})`;
  for (const key of Object.keys(acl)) {
    if (!(LEVELS as readonly string[]).includes(key)) return `Key ${pyJsonDumps(key)} not recognized`;
  }
  for (const key of LEVELS) {
    if (!(key in acl)) continue;
    const grantees = acl[key];
    if (!Array.isArray(grantees)) return `Value for key ${pyJsonDumps(key)} must be a list`;
    if (grantees.some((g) => typeof g !== 'string')) return `Elements of ${pyJsonDumps(key)} list must be strings`;
  }
  return undefined;
}

/**
 * Swift's `acls_from_account_info`: the stored ACLs, or undefined when none
 * is set (or every list is empty, or what is stored does not parse).
 */
export function accountAclsFromSysmeta(sysmeta: Record<string, string> | undefined): AccountAcls | undefined {
  const acl = parseAclV2(sysmeta?.[SYSMETA_KEY]);
  if (!acl) return undefined;
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((g): g is string => typeof g === 'string') : []);
  const acls = { admin: list(acl.admin), 'read-write': list(acl['read-write']), 'read-only': list(acl['read-only']) };
  return LEVELS.some((l) => acls[l].length > 0) ? acls : undefined;
}

/**
 * The account controller's `add_acls_from_sys_metadata`: for an owner, the
 * stored sysmeta becomes `X-Account-Access-Control` (dropped when empty).
 */
export function exposeAccountAcl(headers: Record<string, string>): void {
  const stored = headers[ACCOUNT_ACL_SYSMETA];
  if (stored === undefined) return;
  delete headers[ACCOUNT_ACL_SYSMETA];
  const acl = parseAclV2(stored);
  if (acl && Object.keys(acl).length > 0) headers[ACCOUNT_ACL_HEADER] = formatAclV2(acl);
}
