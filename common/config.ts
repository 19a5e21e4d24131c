/**
 * Swift-style INI config files, read as Python's ConfigParser does for Swift:
 * `[section]` headers, `key = value` or `key: value`, `#`/`;` comment lines,
 * indented continuation lines, keys lower-cased (unless `keepCase`: what
 * paste.deploy does for proxy-server.conf, where tempauth's
 * `SERVICE_require_group` names a reseller prefix), `[DEFAULT]` values visible
 * in every section, `%(name)s` interpolation, and a `*.conf.d` directory
 * read as one file (its `*.conf` files in name order).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from './errors.js';

/** One section's options, with DEFAULT's merged in. */
export type Section = Readonly<Record<string, string>>;

export interface IniFile {
  /** Section name → own options (not including DEFAULT's). */
  readonly sections: ReadonlyMap<string, Record<string, string>>;
  readonly defaults: Record<string, string>;
  /** Where it was read from, if a file. */
  readonly path?: string;
}

const SECTION_RE = /^\[([^\]]+)\]\s*$/;
const OPTION_RE = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/;

export interface IniOptions {
  /**
   * Keep option names as written. Python's ConfigParser lower-cases them
   * (Swift's `readconf`: daemons, swift.conf), paste.deploy does not (the
   * pipeline's `[filter:…]` and `[app:…]` sections).
   */
  keepCase?: boolean;
}

/** Parses INI text. Later sections of the same name merge into earlier ones. */
export function parseIni(text: string, source = '<string>', into?: IniFile, options: IniOptions = {}): IniFile {
  const sections = new Map<string, Record<string, string>>(into?.sections ?? []);
  const defaults: Record<string, string> = { ...(into?.defaults ?? {}) };
  let current: Record<string, string> | undefined;
  let lastKey: string | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      if (trimmed === '') lastKey = undefined;
      continue;
    }
    if (/^\s/.test(line) && current && lastKey !== undefined) {
      current[lastKey] = current[lastKey] === '' ? trimmed : `${current[lastKey]}\n${trimmed}`;
      continue;
    }
    const header = SECTION_RE.exec(trimmed);
    if (header) {
      const name = header[1].trim();
      if (name === 'DEFAULT') {
        current = defaults;
      } else {
        current = sections.get(name) ?? {};
        sections.set(name, current);
      }
      lastKey = undefined;
      continue;
    }
    const opt = OPTION_RE.exec(trimmed);
    if (!opt) throw new ConfigError(`${source}:${i + 1}: cannot parse line: ${trimmed}`);
    if (!current) throw new ConfigError(`${source}:${i + 1}: option outside any section: ${trimmed}`);
    lastKey = options.keepCase ? opt[1].trim() : opt[1].trim().toLowerCase();
    current[lastKey] = opt[2].trim();
  }
  return { sections, defaults, path: into?.path ?? (source === '<string>' ? undefined : source) };
}

/** Reads a config file, or a `.conf.d` directory of them. */
export function readIniFile(path: string, options: IniOptions = {}): IniFile {
  const full = resolve(path);
  let st;
  try {
    st = statSync(full);
  } catch (err) {
    throw new ConfigError(`Unable to read config from ${path}`, err);
  }
  const files = st.isDirectory()
    ? readdirSync(full).filter((f) => f.endsWith('.conf')).sort().map((f) => join(full, f))
    : [full];
  let ini: IniFile = { sections: new Map(), defaults: {}, path: full };
  for (const file of files) {
    ini = parseIni(readFileSync(file, 'utf8'), file, ini, options);
  }
  // `here` is set as paste.deploy does: the directory of the config.
  if (ini.defaults.here === undefined) ini.defaults.here = st.isDirectory() ? full : dirname(full);
  return ini;
}

function interpolate(value: string, vars: Record<string, string>, depth = 0): string {
  if (!value.includes('%')) return value;
  if (depth > 10) throw new ConfigError(`interpolation too deep in: ${value}`);
  return value.replace(/%\((\w+)\)s|%%/g, (m, name: string | undefined) => {
    if (m === '%%') return '%';
    const v = vars[name!] ?? vars[name!.toLowerCase()];
    if (v === undefined) throw new ConfigError(`bad interpolation variable reference ${m}`);
    return interpolate(v, vars, depth + 1);
  });
}

/** A section's options with DEFAULT's merged under them and `%(x)s` expanded. */
export function getSection(ini: IniFile, name: string): Section | undefined {
  const own = ini.sections.get(name);
  if (!own) return undefined;
  const merged: Record<string, string> = { ...ini.defaults, ...own };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(merged)) out[k] = interpolate(v, merged);
  return out;
}

/** Like getSection but throws a ConfigError naming the file when it is missing. */
export function requireSection(ini: IniFile, name: string): Section {
  const section = getSection(ini, name);
  if (!section) throw new ConfigError(`Unable to find ${name} config section in ${ini.path ?? 'config'}`);
  return section;
}

/** Reads one section of a config file, or throws. */
export function readConfSection(path: string, name: string): Section {
  return requireSection(readIniFile(path), name);
}

const TRUE_VALUES = new Set(['true', '1', 'yes', 'on', 't', 'y']);
const FALSE_VALUES = new Set(['false', '0', 'no', 'off', 'f', 'n']);

/** Swift's `config_true_value`. */
export function configTrueValue(value: string | undefined | boolean): boolean {
  if (typeof value === 'boolean') return value;
  return value !== undefined && TRUE_VALUES.has(value.trim().toLowerCase());
}

/** Typed option readers with one default each; a bad value is a ConfigError. */
export function getBool(section: Section, key: string, def: boolean): boolean {
  const v = section[key];
  if (v === undefined || v === '') return def;
  const t = v.trim().toLowerCase();
  if (TRUE_VALUES.has(t)) return true;
  if (FALSE_VALUES.has(t)) return false;
  throw new ConfigError(`invalid boolean for ${key}: ${v}`);
}

export function getInt(section: Section, key: string, def: number, min = -Infinity): number {
  const v = section[key];
  if (v === undefined || v === '') return def;
  if (!/^[+-]?\d+$/.test(v.trim())) throw new ConfigError(`invalid integer for ${key}: ${v}`);
  const n = Number(v.trim());
  if (n < min) throw new ConfigError(`${key} must be >= ${min}, got ${v}`);
  return n;
}

export function getFloat(section: Section, key: string, def: number, min = -Infinity): number {
  const v = section[key];
  if (v === undefined || v === '') return def;
  const n = Number(v.trim());
  if (!Number.isFinite(n)) throw new ConfigError(`invalid number for ${key}: ${v}`);
  if (n < min) throw new ConfigError(`${key} must be >= ${min}, got ${v}`);
  return n;
}

export function getString(section: Section, key: string, def: string): string {
  const v = section[key];
  return v === undefined || v === '' ? def : v;
}

/** Swift's `list_from_csv`: comma-separated, trimmed, empties dropped. */
export function listFromCsv(value: string | undefined): string[] {
  if (!value) return [];
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}
