import { Command, Flags } from '@oclif/core';
import { formatTable } from '../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class VolumeList extends Command {
  static override description = 'List volumes (your project\'s; every project\'s with --all-projects, admins only)';
  static override flags = { ...computeFlags, 'all-projects': Flags.boolean({ default: false }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(VolumeList);
    await guard(this, async () => {
      const q = flags['all-projects'] ? '?all_tenants=1' : '';
      const vols = (await (await clientFrom(this, flags)).request('GET', `/volumes/detail${q}`, undefined, 'v3')).body.volumes as Record<string, any>[];
      this.log(formatTable(['ID', 'Name', 'Status', 'Size', 'Attached to'], vols.map((v) => [
        v.id, v.name ?? '', v.status, String(v.size), (v.attachments as { server_id: string; device: string }[]).map((a) => `${a.server_id} on ${a.device}`).join(', '),
      ])));
    });
  }
}
