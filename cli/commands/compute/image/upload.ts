import { createReadStream, statSync } from 'node:fs';
import { Args, Command, Flags } from '@oclif/core';
import { ProgressBar } from '../../../../compute/client.js';
import { findImage, imageClientFrom, imageFlags, imageProperties } from '../../../lib/image-cli.js';
import { guard } from '../../../lib/compute-cli.js';

export default class ImageUpload extends Command {
  static override description = 'Create an image and upload its data from a file (glance image-create --file), or upload to an existing queued image with --image';
  static override args = { file: Args.string({ ignoreStdin: true, description: 'the image file', required: true }) };
  static override flags = {
    ...imageFlags,
    name: Flags.string({ description: 'image name (default: the file name)' }),
    image: Flags.string({ description: 'upload into this existing (queued) image instead of creating one' }),
    'disk-format': Flags.string({ description: 'raw, qcow2, vmdk, vdi, iso, …', default: 'raw' }),
    'container-format': Flags.string({ description: 'bare, ovf, …', default: 'bare' }),
    visibility: Flags.string({ description: 'private, shared, community or public', default: 'private' }),
    'min-disk': Flags.integer({ description: 'minimum disk (GiB)' }),
    'min-ram': Flags.integer({ description: 'minimum RAM (MiB)' }),
    property: Flags.string({ description: 'an extra property key=value (repeatable), e.g. architecture=x86_64', multiple: true }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ImageUpload);
    await guard(this, async () => {
      const client = await imageClientFrom(this, flags);
      const size = statSync(args.file).size;
      let id: string;
      if (flags.image) {
        id = (await findImage(client, flags.image)).id as string;
      } else {
        const body: Record<string, unknown> = {
          name: flags.name ?? args.file.split('/').pop(), disk_format: flags['disk-format'], container_format: flags['container-format'], visibility: flags.visibility,
        };
        if (flags['min-disk'] !== undefined) body.min_disk = flags['min-disk'];
        if (flags['min-ram'] !== undefined) body.min_ram = flags['min-ram'];
        for (const p of flags.property ?? []) {
          const eq = p.indexOf('=');
          if (eq <= 0) this.error(`--property takes key=value, got ${p}`, { exit: 2 });
          body[p.slice(0, eq)] = p.slice(eq + 1);
        }
        id = (await client.createBody(body)).id as string;
      }
      const bar = flags.progress ? new ProgressBar(`uploading ${id}`, size) : undefined;
      await client.upload(id, createReadStream(args.file), { size, onProgress: bar && ((n) => bar.update(n)) });
      bar?.done(size);
      this.log(imageProperties((await client.showBody(id))!));
    });
  }
}
