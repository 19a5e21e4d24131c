import { Command, Flags } from '@oclif/core';
import { formatTable } from '../../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../../lib/compute-cli.js';

export default class BackupList extends Command {
  static override description = 'List volume backups';
  static override flags = { ...computeFlags, volume: Flags.string({ description: 'only this volume\'s' }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(BackupList);
    await guard(this, async () => {
      const client = (await clientFrom(this, flags)).forVolumes();
      const q = flags.volume ? `?volume_id=${encodeURIComponent(flags.volume)}` : '';
      const all = (await client.request('GET', `/backups/detail${q}`)).body.backups as Record<string, any>[];
      this.log(formatTable(['ID', 'Volume ID', 'Status', 'Name', 'Size', 'Object Count', 'Container', 'Incremental'],
        all.map((b) => [b.id, b.volume_id, b.status, b.name ?? '', String(b.size), String(b.object_count), b.container, String(b.is_incremental)])));
    });
  }
}
