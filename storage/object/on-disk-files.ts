/**
 * The names of the files in an object's hash dir and Swift's rules for
 * which of them make up the object and which are obsolete (Swift's
 * `get_ondisk_files` / `cleanup_ondisk_files` for replicated policies):
 *
 * - the newest `.ts` wins over everything older; older `.data`/`.meta`/`.ts`
 *   are obsolete;
 * - of `.data` files only the newest is kept, and `.ts`/`.meta` not newer
 *   than it are obsolete;
 * - of `.meta` files the newest is kept, plus the newest one carrying a
 *   Content-Type (its name is `<ts>[+-]<hex delta to the ctype time>.meta`)
 *   when that is older;
 * - a lone `.ts` older than `reclaim_age` is reclaimed, as are `.meta` files
 *   with no `.data` under them.
 */
import { Timestamp } from '../../common/index.js';

export type FileExt = '.data' | '.meta' | '.ts';

export interface FileInfo {
  filename: string;
  ext: FileExt;
  timestamp: Timestamp;
  /** For `.meta` files written with a Content-Type: that type's timestamp. */
  ctypeTimestamp?: Timestamp;
}

const NAME_RE = /^(\d{10}\.\d{5}(?:_[0-9a-f]{16})?)(?:([+-])([0-9a-f]+))?\.(data|meta|ts)$/;

/** Parses a hash dir entry; undefined for names that are not ours. */
export function parseOnDiskFilename(filename: string): FileInfo | undefined {
  const m = NAME_RE.exec(filename);
  if (!m) return undefined;
  const timestamp = Timestamp.tryParse(m[1]);
  if (!timestamp) return undefined;
  const ext = `.${m[4]}` as FileExt;
  let ctypeTimestamp: Timestamp | undefined;
  if (m[2]) {
    if (ext !== '.meta') return undefined;
    const delta = parseInt(m[3], 16) * (m[2] === '-' ? -1 : 1);
    try {
      ctypeTimestamp = new Timestamp(timestamp.raw + delta);
    } catch {
      return undefined;
    }
  }
  return { filename, ext, timestamp, ctypeTimestamp };
}

/**
 * Swift's on-disk name: `<ts>.data`, `<ts>.ts`, `<ts>.meta` or, for a
 * `.meta` carrying a Content-Type, `<ts>±<hex(ctype - ts)>.meta`.
 */
export function makeOnDiskFilename(timestamp: Timestamp, ext: FileExt, ctypeTimestamp?: Timestamp): string {
  if (ext === '.meta' && ctypeTimestamp) {
    const delta = ctypeTimestamp.raw - timestamp.raw;
    return `${timestamp.internal}${delta < 0 ? '-' : '+'}${Math.abs(delta).toString(16)}${ext}`;
  }
  return `${timestamp.internal}${ext}`;
}

export interface OnDiskFiles {
  data?: FileInfo;
  ts?: FileInfo;
  /** The newest `.meta` newer than the `.data`. */
  meta?: FileInfo;
  /** The `.meta` whose Content-Type applies, when newer than the `.data`. */
  ctype?: FileInfo;
  obsolete: FileInfo[];
  /** Files that may go once older than reclaim_age. */
  possibleReclaim: FileInfo[];
  unexpected: string[];
}

const newestFirst = (a: FileInfo, b: FileInfo): number => b.timestamp.compare(a.timestamp);
const ctypeNewestFirst = (a: FileInfo, b: FileInfo): number =>
  (b.ctypeTimestamp ?? Timestamp.zero).compare(a.ctypeTimestamp ?? Timestamp.zero);

/** Sorts a hash dir listing into the object's files and the obsolete ones. */
export function gatherOnDiskFiles(filenames: readonly string[]): OnDiskFiles {
  const out: OnDiskFiles = { obsolete: [], possibleReclaim: [], unexpected: [] };
  const exts: Record<FileExt, FileInfo[]> = { '.data': [], '.meta': [], '.ts': [] };
  for (const name of filenames) {
    const info = parseOnDiskFilename(name);
    if (info) exts[info.ext].push(info);
    else out.unexpected.push(name);
  }
  for (const list of Object.values(exts)) list.sort(newestFirst);

  const keepNewerThan = (ext: FileExt, ts: Timestamp, orEqual: boolean): void => {
    const keep: FileInfo[] = [];
    for (const f of exts[ext]) {
      const c = f.timestamp.compare(ts);
      if (c > 0 || (orEqual && c === 0)) keep.push(f);
      else out.obsolete.push(f);
    }
    exts[ext] = keep;
  };

  const newestTs = exts['.ts'][0];
  if (newestTs) {
    keepNewerThan('.data', newestTs.timestamp, false);
    keepNewerThan('.meta', newestTs.timestamp, false);
    out.obsolete.push(...exts['.ts'].slice(1));
    exts['.ts'] = [newestTs];
  }

  const metas = exts['.meta'];
  if (metas.length > 0) {
    let retain = 1;
    if (metas.length > 1) {
      const rest = metas.slice(1).sort(ctypeNewestFirst);
      metas.splice(1, rest.length, ...rest);
      if ((metas[1].ctypeTimestamp ?? Timestamp.zero).isNewerThan(metas[0].ctypeTimestamp ?? Timestamp.zero)) {
        if (metas[1].timestamp.equals(metas[0].timestamp)) [metas[0], metas[1]] = [metas[1], metas[0]];
        else retain = 2;
      }
    }
    out.obsolete.push(...metas.slice(retain));
    exts['.meta'] = metas.slice(0, retain);
  }

  const newestData = exts['.data'][0];
  if (newestData) {
    keepNewerThan('.data', newestData.timestamp, true);
    keepNewerThan('.ts', newestData.timestamp, false);
    keepNewerThan('.meta', newestData.timestamp, false);
    out.data = newestData;
    if (exts['.meta'].length > 0) {
      out.meta = exts['.meta'][0];
      const ctype = exts['.meta'][exts['.meta'].length - 1];
      if ((ctype.ctypeTimestamp ?? Timestamp.zero).isNewerThan(newestData.timestamp)) out.ctype = ctype;
    }
  } else {
    out.possibleReclaim.push(...exts['.meta']);
    if (exts['.ts'].length > 0) out.ts = exts['.ts'][0];
  }
  return out;
}

/**
 * The files cleanup removes: the obsolete ones, plus (Swift's reclaim) a
 * `.ts` or data-less `.meta` older than `reclaimAge` seconds before `now`.
 */
export function filesToRemove(files: OnDiskFiles, now: Timestamp, reclaimAge: number): FileInfo[] {
  const cutoff = now.seconds - reclaimAge;
  const remove = [...files.obsolete];
  if (files.ts && files.ts.timestamp.seconds < cutoff) remove.push(files.ts);
  for (const m of files.possibleReclaim) if (m.timestamp.seconds < cutoff) remove.push(m);
  return remove;
}
