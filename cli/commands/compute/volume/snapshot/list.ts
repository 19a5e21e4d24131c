import { Command, Flags } from '@oclif/core';
import { formatTable } from '../../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../../lib/compute-cli.js';

export default class SnapshotList extends Command {
  static override description = 'List volume snapshots';
  static override flags = { ...computeFlags, volume: Flags.string({ description: 'only this volume\'s' }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(SnapshotList);
    await guard(this, async () => {
      const client = (await clientFrom(this, flags)).forVolumes();
      const q = flags.volume ? `?volume_id=${encodeURIComponent(flags.volume)}` : '';
      const all = (await client.request('GET', `/snapshots/detail${q}`)).body.snapshots as Record<string, any>[];
      this.log(formatTable(['ID', 'Volume ID', 'Status', 'Name', 'Size'], all.map((s) => [s.id, s.volume_id, s.status, s.name ?? '', String(s.size)])));
    });
  }
}
