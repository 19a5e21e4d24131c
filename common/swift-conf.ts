/**
 * swift.conf: the hash path secrets, the storage policies and the cluster
 * constraints, parsed and validated once at start-up.
 */
import { ConfigError } from './errors.js';
import { getSection, readIniFile, configTrueValue, listFromCsv, type IniFile } from './config.js';
import { constraintsFromSection, type Constraints } from './constraints.js';
import type { HashPathSecrets } from './hash-path.js';

export interface StoragePolicy {
  index: number;
  name: string;
  aliases: string[];
  isDefault: boolean;
  isDeprecated: boolean;
  policyType: string;
}

export interface SwiftConf {
  hashPath: HashPathSecrets;
  policies: StoragePolicy[];
  defaultPolicy: StoragePolicy;
  constraints: Constraints;
}

const POLICY_NAME_RE = /^[A-Za-z0-9-]+$/;

/** Builds the SwiftConf from a parsed swift.conf, with Swift's validation. */
export function swiftConfFromIni(ini: IniFile): SwiftConf {
  const hash = getSection(ini, 'swift-hash') ?? {};
  const prefix = hash.swift_hash_path_prefix ?? '';
  const suffix = hash.swift_hash_path_suffix ?? '';
  if (!prefix && !suffix) {
    throw new ConfigError(
      `Error: [swift-hash]: both swift_hash_path_suffix and swift_hash_path_prefix are missing from ${ini.path ?? 'swift.conf'}`,
    );
  }
  const policies: StoragePolicy[] = [];
  for (const name of ini.sections.keys()) {
    const m = /^storage-policy:(.*)$/.exec(name);
    if (!m) continue;
    if (!/^\d+$/.test(m[1])) throw new ConfigError(`Invalid index ${JSON.stringify(m[1])} in ${name}`);
    const s = getSection(ini, name)!;
    const policyName = s.name ?? (m[1] === '0' ? 'Policy-0' : '');
    if (!POLICY_NAME_RE.test(policyName)) throw new ConfigError(`Invalid name ${JSON.stringify(policyName)} for ${name}`);
    policies.push({
      index: Number(m[1]),
      name: policyName,
      aliases: listFromCsv(s.aliases).filter((a) => a !== policyName),
      isDefault: configTrueValue(s.default),
      isDeprecated: configTrueValue(s.deprecated),
      policyType: s.policy_type ?? 'replication',
    });
  }
  if (!policies.some((p) => p.index === 0)) {
    policies.push({ index: 0, name: 'Policy-0', aliases: [], isDefault: false, isDeprecated: false, policyType: 'replication' });
  }
  policies.sort((a, b) => a.index - b.index);
  const names = new Set<string>();
  for (const p of policies) {
    for (const n of [p.name, ...p.aliases]) {
      if (names.has(n.toLowerCase())) throw new ConfigError(`Duplicate storage policy name ${n}`);
      names.add(n.toLowerCase());
    }
  }
  const defaults = policies.filter((p) => p.isDefault);
  if (defaults.length > 1) throw new ConfigError('Duplicate default storage policy');
  let defaultPolicy = defaults[0];
  if (!defaultPolicy) {
    if (policies.length > 1) throw new ConfigError('Unable to find default storage policy');
    defaultPolicy = policies[0];
    defaultPolicy.isDefault = true;
  }
  if (defaultPolicy.isDeprecated) throw new ConfigError('Deprecated storage policy cannot be the default');
  return {
    hashPath: { prefix, suffix },
    policies,
    defaultPolicy,
    constraints: constraintsFromSection(getSection(ini, 'swift-constraints')),
  };
}

/** Reads `<swiftDir>/swift.conf`. */
export function loadSwiftConf(swiftDir = '/etc/swift'): SwiftConf {
  return swiftConfFromIni(readIniFile(`${swiftDir}/swift.conf`));
}

/** Ring name for a policy: `object` for 0, `object-N` otherwise. */
export function objectRingName(policyIndex: number): string {
  return policyIndex === 0 ? 'object' : `object-${policyIndex}`;
}
