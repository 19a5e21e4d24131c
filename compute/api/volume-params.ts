/** Request fields of the v3 (Cinder) API, checked as Cinder's schemas check them. */
import { HttpFault } from './app.js';
import { requireObject } from './server-routes.js';

export function optionalText(v: unknown, field: string): string | null | undefined {
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v !== 'string' || v.length > 255) throw new HttpFault(400, `Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v)}.`);
  return v;
}

export function metadataOf(v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  const m = requireObject(v, 'metadata');
  for (const [k, val] of Object.entries(m)) {
    if (typeof val !== 'string' || k.length === 0 || k.length > 255 || val.length > 255) throw new HttpFault(400, `Invalid input for field/attribute metadata. Value: ${JSON.stringify(m)}.`);
  }
  return m as Record<string, string>;
}

/** Cinder's booleans: true/false or their strings. */
export function flagOf(v: unknown, field: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false|yes|no|on|off|1|0|t|f|y|n)$/i.test(v)) return /^(true|yes|on|1|t|y)$/i.test(v);
  throw new HttpFault(400, `Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v)}.`);
}

export function allTenantsOf(q: Record<string, string | undefined>): boolean {
  return q.all_tenants !== undefined && q.all_tenants !== '0' && q.all_tenants.toLowerCase() !== 'false';
}
