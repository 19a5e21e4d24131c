/**
 * Container ACLs as Swift's `swift.common.middleware.acl`: `.r:<referrer>`
 * (with `*`, `.suffix` and `-` for deny), `.rlistings`, and group or
 * `account:user` names.
 */

export class AclError extends Error {}

const REF_ALIASES = new Set(['.r', '.ref', '.referer', '.referrer']);

/**
 * Normalises an ACL header value, or throws AclError for what Swift refuses
 * (a referrer rule in a write ACL, `.r:` without a value, unknown dot-names).
 */
export function cleanAcl(name: string, value: string): string {
  const write = name.toLowerCase() === 'x-container-write';
  const out: string[] = [];
  for (let item of value.split(',')) {
    item = item.trim();
    if (!item) continue;
    if (item.startsWith('-.r:')) item = '.r:-' + item.slice(4);
    const colon = item.indexOf(':');
    if (colon !== -1 && item.startsWith('.')) {
      const first = item.slice(0, colon).trim();
      let second = item.slice(colon + 1).trim();
      if (!REF_ALIASES.has(first)) throw new AclError(`Unknown designator ${JSON.stringify(first)} in ACL ${JSON.stringify(value)}`);
      if (write) throw new AclError(`Referrers not allowed in write ACL: ${JSON.stringify(value)}`);
      let negate = false;
      if (second.startsWith('-')) {
        negate = true;
        second = second.slice(1).trim();
      }
      if (second !== '*' && second.startsWith('*')) second = second.slice(1).trim();
      if (!second || second === '.') throw new AclError(`No host/domain value after referrer designation in ACL: ${JSON.stringify(value)}`);
      out.push(`.r:${negate ? '-' : ''}${second}`);
    } else if (item.startsWith('.') && item !== '.rlistings') {
      throw new AclError(`Unknown designator ${JSON.stringify(item)} in ACL ${JSON.stringify(value)}`);
    } else {
      out.push(item);
    }
  }
  return out.join(',');
}

/** Splits a cleaned ACL into referrer rules and group names. */
export function parseAcl(value: string | undefined): { referrers: string[]; groups: string[] } {
  const referrers: string[] = [];
  const groups: string[] = [];
  if (!value) return { referrers, groups };
  for (let item of value.split(',')) {
    item = item.trim();
    if (!item) continue;
    if (item.startsWith('.r:')) referrers.push(item.slice(3));
    else if (item.startsWith('-.r:')) referrers.push('-' + item.slice(4));
    else groups.push(item);
  }
  return { referrers, groups };
}

function hostMatches(rule: string, host: string): boolean {
  return rule === host || (rule.startsWith('.') && host.endsWith(rule));
}

/** Swift's `referrer_allowed`: rules apply in order, later ones win. */
export function referrerAllowed(referrer: string | undefined, rules: string[]): boolean {
  if (rules.length === 0) return false;
  let host = 'unknown';
  try {
    if (referrer) host = new URL(referrer).hostname || 'unknown';
  } catch {
    host = 'unknown';
  }
  let allow = false;
  for (const rule of rules) {
    if (rule.startsWith('-')) {
      if (hostMatches(rule.slice(1), host)) allow = false;
    } else if (rule === '*' || hostMatches(rule, host)) {
      allow = true;
    }
  }
  return allow;
}
