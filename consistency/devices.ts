/**
 * Walking a server's devices dir: the device names (with Swift's mount
 * check), and the per-policy dirs on each (`objects`, `objects-1`, …).
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

import { checkDevice } from '../storage/index.js';

export { checkDevice };

/** Names of the entries of `dir` (empty when it does not exist). */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch {
    return [];
  }
}

/**
 * Every usable device under `devices`, optionally restricted to `only`;
 * `onUnusable` hears of each one skipped as unmounted or not a directory
 * (daemons count those as Swift's statsd `errors`).
 */
export async function usableDevices(
  devices: string, mountCheck: boolean, only?: Set<string>, onUnusable?: (device: string) => void,
): Promise<{ device: string; path: string }[]> {
  const out: { device: string; path: string }[] = [];
  for (const device of (await listDir(devices)).sort()) {
    if (only && !only.has(device)) continue;
    const path = await checkDevice(devices, device, mountCheck);
    if (path) out.push({ device, path });
    else onUnusable?.(device);
  }
  return out;
}

/** `base`, `base-1`, …: the policy index of a per-policy dir name, or undefined. */
export function policyOfDir(name: string, base: string): number | undefined {
  if (name === base) return 0;
  const m = new RegExp(`^${base}-(\\d+)$`).exec(name);
  return m ? Number(m[1]) : undefined;
}
