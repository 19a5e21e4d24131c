import { Command, Flags } from '@oclif/core';
import { formatTable } from '../../../../compute/client.js';
import { imageClientFrom, imageFlags } from '../../../lib/image-cli.js';
import { guard } from '../../../lib/compute-cli.js';

export default class ImageList extends Command {
  static override description = 'List images (glance image-list)';
  static override flags = {
    ...imageFlags,
    name: Flags.string({ description: 'only images with this name' }),
    status: Flags.string({ description: 'only images in this status (queued, saving, active, killed)' }),
    visibility: Flags.string({ description: 'only images with this visibility' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ImageList);
    await guard(this, async () => {
      const filters: Record<string, string> = {};
      for (const k of ['name', 'status', 'visibility'] as const) if (flags[k]) filters[k] = flags[k]!;
      const images = await (await imageClientFrom(this, flags)).listBodies(filters);
      this.log(formatTable(['ID', 'Name', 'Status', 'Disk Format', 'Size', 'Visibility'],
        images.map((i) => [i.id, i.name, i.status, i.disk_format, i.size, i.visibility])));
    });
  }
}
