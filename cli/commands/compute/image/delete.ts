import { Args, Command } from '@oclif/core';
import { findImage, imageClientFrom, imageFlags } from '../../../lib/image-cli.js';
import { guard } from '../../../lib/compute-cli.js';

export default class ImageDelete extends Command {
  static override description = 'Delete images (by ID or name); an image a server uses is refused (409)';
  static override strict = false;
  static override args = { image: Args.string({ ignoreStdin: true, required: true, description: 'image ID or name (several allowed)' }) };
  static override flags = { ...imageFlags };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(ImageDelete);
    await guard(this, async () => {
      const client = await imageClientFrom(this, flags);
      for (const name of argv as string[]) {
        const image = await findImage(client, name);
        await client.delete(image.id as string);
        this.log(`Image ${image.id as string} deleted.`);
      }
    });
  }
}
