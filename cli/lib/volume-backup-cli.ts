/** Plumbing of `swiftly compute volume snapshot|backup …`: finding by id or name, waiting with progress. */
import { NovaClientError, ProgressBar, Spinner, type NovaClient } from '../../compute/client.js';


/** A snapshot or backup by id, or by unique name. */
export async function findIn(client: NovaClient, kind: 'snapshots' | 'backups', idOrName: string): Promise<Record<string, any>> {
  const one = kind.slice(0, -1);
  try {
    return (await client.request('GET', `/${kind}/${encodeURIComponent(idOrName)}`)).body[one];
  } catch (err) {
    if (!(err instanceof NovaClientError) || err.status !== 404) throw err;
  }
  const hits = ((await client.request('GET', `/${kind}/detail`)).body[kind] as Record<string, any>[]).filter((x) => x.name === idOrName);
  if (hits.length === 1) return hits[0]!;
  throw new Error(hits.length === 0 ? `No ${one} with a name or ID of '${idOrName}' exists.` : `Multiple ${one} matches found for '${idOrName}', use an ID to be more specific.`);
}

/**
 * Poll `/<kind>/<id>` until its status is `want` (or it is gone, for
 * `deleted`); `error` ends the wait. A backup's `progress` (percent) drives a
 * progress bar over the volume's size; other waits show a spinner.
 */
export async function waitFor(client: NovaClient, kind: 'snapshots' | 'backups' | 'volumes', id: string, want: string, label: string): Promise<Record<string, any>> {
  const one = kind.slice(0, -1);
  let bar: InstanceType<typeof ProgressBar> | undefined;
  const spinner = kind === 'backups' ? undefined : new Spinner();
  spinner?.start(`${label} ${id}…`);
  for (;;) {
    let x: Record<string, any>;
    try {
      x = (await client.request('GET', `/${kind}/${id}`)).body[one];
    } catch (err) {
      if (err instanceof NovaClientError && err.status === 404 && want === 'deleted') {
        spinner?.stop(`${label} ${id}: deleted`);
        return { id, status: 'deleted' };
      }
      throw err;
    }
    if (kind === 'backups') {
      bar ??= new ProgressBar(label, x.size * 1024 ** 3);
      bar.update(((x.progress ?? 0) / 100) * x.size * 1024 ** 3);
    } else spinner?.update(`${label} ${id}: ${x.status}`);
    if (x.status === want) {
      if (bar) bar.done(x.size * 1024 ** 3);
      spinner?.stop(`${label} ${id}: ${x.status} — done`);
      return x;
    }
    if (x.status.startsWith('error')) {
      spinner?.stop(`${label} ${id}: ${x.status}`);
      throw new Error(`${one} ${id} went to ${x.status}${x.fail_reason ? `: ${x.fail_reason}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
