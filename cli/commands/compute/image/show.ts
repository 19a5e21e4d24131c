import { Args, Command } from '@oclif/core';
import { findImage, imageClientFrom, imageFlags, imageProperties } from '../../../lib/image-cli.js';
import { guard } from '../../../lib/compute-cli.js';

export default class ImageShow extends Command {
  static override description = 'Show an image (by ID or name)';
  static override args = { image: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...imageFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ImageShow);
    await guard(this, async () => {
      this.log(imageProperties(await findImage(await imageClientFrom(this, flags), args.image)));
    });
  }
}
