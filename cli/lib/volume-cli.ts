/** Plumbing of the `swiftly compute volume …` commands: waiting with a spinner, the show view. */
import { Flags } from '@oclif/core';
import { Spinner, formatProperties, type NovaClient } from '../../compute/client.js';


export const volumeWaitFlag = {
  wait: Flags.boolean({ description: 'wait for the volume to settle, with a progress spinner', default: false }),
};

/** Wait for a volume with a spinner showing its status and the time spent. */
export async function waitVolumeWithSpinner(client: NovaClient, id: string, statuses: string[], what: string): Promise<Record<string, any>> {
  const spinner = new Spinner();
  const t0 = Date.now();
  spinner.start(`${what} ${id}…`);
  try {
    const v = await client.waitForVolume(id, statuses, { progress: (x) => spinner.update(`${what} ${id}: ${x.status} (${Math.round((Date.now() - t0) / 1000)} s)`) });
    spinner.stop(`${what} ${id}: ${v.status} — done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return v;
  } catch (err) {
    spinner.stop(`${what} ${id}: failed`);
    throw err;
  }
}

/** `cinder show`'s flattened view of a volume. */
export function volumeProperties(v: Record<string, any>): string {
  const flat: Record<string, unknown> = { ...v };
  delete flat.links;
  flat.attachments = (v.attachments ?? []).map((a: { server_id: string; device: string }) => `${a.server_id} on ${a.device}`).join(', ');
  return formatProperties(flat);
}
