/**
 * The device options swift-ring-builder accepts besides its positional
 * syntax (`--region 1 --zone 2 --ip … -y`), parsed the way Python's optparse
 * does: options and arguments may mix, `--opt=v`, `-ov`, `--` ends options.
 */
import { InvalidArgumentError } from '../../common/core.js';
import {
  validateAndNormalizeAddress,
  validateDeviceName,
  type ChangeValues,
  type NewDevice,
  type SearchValues,
} from '../../ring/index.js';

/** The search flags (`--region`, `--ip`, …; meta '' when not given), the `--change-*` flags and `--yes`. */
export interface DeviceOptions extends Omit<SearchValues, 'meta'> {
  meta: string;
  change_ip?: string;
  change_port?: number;
  change_replication_ip?: string;
  change_replication_port?: number;
  change_device?: string;
  change_meta: string;
  yes: boolean;
}

type Kind = 'int' | 'float' | 'string' | 'bool';
const SPECS: [short: string, long: string, key: keyof DeviceOptions, kind: Kind][] = [
  ['u', 'id', 'id', 'int'],
  ['r', 'region', 'region', 'int'],
  ['z', 'zone', 'zone', 'int'],
  ['i', 'ip', 'ip', 'string'],
  ['p', 'port', 'port', 'int'],
  ['j', 'replication-ip', 'replication_ip', 'string'],
  ['q', 'replication-port', 'replication_port', 'int'],
  ['d', 'device', 'device', 'string'],
  ['w', 'weight', 'weight', 'float'],
  ['m', 'meta', 'meta', 'string'],
  ['I', 'change-ip', 'change_ip', 'string'],
  ['P', 'change-port', 'change_port', 'int'],
  ['J', 'change-replication-ip', 'change_replication_ip', 'string'],
  ['Q', 'change-replication-port', 'change_replication_port', 'int'],
  ['D', 'change-device', 'change_device', 'string'],
  ['M', 'change-meta', 'change_meta', 'string'],
  ['y', 'yes', 'yes', 'bool'],
];

/** Python's `int()` / `float()` of a command-line string; throws like optparse. */
export function parseIntArg(text: string, what = 'value'): number {
  if (!/^\s*[+-]?\d+\s*$/.test(text)) throw new InvalidArgumentError(`invalid integer ${what}: '${text}'`);
  return Number(text.trim());
}

export function parseFloatArg(text: string, what = 'value'): number {
  const t = text.trim();
  if (!/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf(inity)?|nan)$/i.test(t)) {
    throw new InvalidArgumentError(`invalid floating-point ${what}: '${text}'`);
  }
  return Number(t.replace(/^([+-]?)inf(inity)?$/i, '$1Infinity'));
}

/** Options, remaining positional arguments, and whether any device option was given (Swift's "new command format"). */
export function parseDeviceOptions(argv: readonly string[]): { opts: DeviceOptions; args: string[]; newFormat: boolean } {
  const opts: DeviceOptions = { meta: '', change_meta: '', yes: false };
  const args: string[] = [];
  const set = (spec: (typeof SPECS)[number], value: string): void => {
    const [, long, key, kind] = spec;
    const v = kind === 'int' ? parseIntArg(value, `option --${long}`) : kind === 'float' ? parseFloatArg(value, `option --${long}`) : value;
    (opts as unknown as Record<string, unknown>)[key] = v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const matches = SPECS.filter((s) => s[1] === name);
      const spec = matches[0] ?? (() => {
        const prefixed = SPECS.filter((s) => s[1].startsWith(name));
        if (prefixed.length === 1) return prefixed[0];
        throw new InvalidArgumentError(prefixed.length ? `ambiguous option: --${name}` : `no such option: --${name}`);
      })();
      if (spec[3] === 'bool') {
        if (eq >= 0) throw new InvalidArgumentError(`--${spec[1]} option does not take a value`);
        opts.yes = true;
      } else if (eq >= 0) {
        set(spec, a.slice(eq + 1));
      } else {
        if (i + 1 >= argv.length) throw new InvalidArgumentError(`--${spec[1]} option requires 1 argument`);
        set(spec, argv[++i]);
      }
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const spec = SPECS.find((s) => s[0] === a[j]);
        if (!spec) throw new InvalidArgumentError(`no such option: -${a[j]}`);
        if (spec[3] === 'bool') {
          opts.yes = true;
          continue;
        }
        const rest = a.slice(j + 1);
        if (rest) set(spec, rest);
        else if (i + 1 < argv.length) set(spec, argv[++i]);
        else throw new InvalidArgumentError(`-${spec[0]} option requires 1 argument`);
        break;
      }
    } else {
      args.push(a);
    }
  }
  const newFormat =
    opts.id !== undefined || opts.region !== undefined || opts.zone !== undefined || Boolean(opts.ip) ||
    Boolean(opts.port) || Boolean(opts.replication_ip) || Boolean(opts.replication_port) || Boolean(opts.device) ||
    opts.weight !== undefined || Boolean(opts.meta);
  return { opts, args, newFormat };
}

/** Search values from options (Swift's `parse_search_values_from_opts`). */
export function searchValuesFromOpts(opts: DeviceOptions): SearchValues {
  const out: SearchValues = {};
  const keys = ['id', 'region', 'zone', 'ip', 'port', 'replication_ip', 'replication_port', 'device', 'weight', 'meta'] as const;
  for (const key of keys) {
    let value = opts[key];
    if (value === undefined) continue;
    if ((key === 'ip' || key === 'replication_ip') && value) value = validateAndNormalizeAddress(value as string);
    (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

/** Changes from `--change-*` options (Swift's `parse_change_values_from_opts`). */
export function changeValuesFromOpts(opts: DeviceOptions): ChangeValues {
  const out: ChangeValues = {};
  if (opts.change_ip) out.ip = validateAndNormalizeAddress(opts.change_ip);
  if (opts.change_port) out.port = opts.change_port;
  if (opts.change_replication_ip) out.replication_ip = validateAndNormalizeAddress(opts.change_replication_ip);
  if (opts.change_replication_port) out.replication_port = opts.change_replication_port;
  if (opts.change_device) out.device = opts.change_device;
  if (opts.change_meta) out.meta = opts.change_meta;
  return out;
}

/** A new device from options (Swift's `build_dev_from_opts`). */
export function deviceFromOpts(opts: DeviceOptions): NewDevice {
  const required: [keyof DeviceOptions, string][] = [
    ['region', '-r/--region'],
    ['zone', '-z/--zone'],
    ['ip', '-i/--ip'],
    ['port', '-p/--port'],
    ['device', '-d/--device'],
    ['weight', '-w/--weight'],
  ];
  for (const [key, names] of required) {
    if (opts[key] === undefined) throw new InvalidArgumentError(`Required argument ${names} not specified.`);
  }
  const ip = validateAndNormalizeAddress(opts.ip!);
  const replicationIp = validateAndNormalizeAddress(opts.replication_ip || opts.ip!);
  if (!validateDeviceName(opts.device!)) throw new InvalidArgumentError('Invalid device name');
  return {
    region: opts.region!,
    zone: opts.zone!,
    ip,
    port: opts.port!,
    device: opts.device!,
    meta: opts.meta,
    replication_ip: replicationIp,
    replication_port: opts.replication_port || opts.port!,
    weight: opts.weight!,
  };
}
