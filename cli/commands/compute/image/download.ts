import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Args, Command, Flags } from '@oclif/core';
import { ProgressBar } from '../../../../compute/client.js';
import { findImage, imageClientFrom, imageFlags } from '../../../lib/image-cli.js';
import { guard } from '../../../lib/compute-cli.js';

export default class ImageDownload extends Command {
  static override description = "Download an image's data, verified against its md5 and sha512 (glance image-download)";
  static override args = { image: Args.string({ ignoreStdin: true, description: 'image ID or name', required: true }) };
  static override flags = {
    ...imageFlags,
    file: Flags.string({ char: 'f', description: 'where to write it (default: stdout)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ImageDownload);
    await guard(this, async () => {
      const client = await imageClientFrom(this, flags);
      const image = await findImage(client, args.image);
      const bar = flags.progress && flags.file ? new ProgressBar(`downloading ${image.id as string}`, image.size as number) : undefined;
      const { stream } = await client.download(image.id as string, { onProgress: bar && ((n) => bar.update(n)) });
      if (!flags.file) {
        await pipeline(stream, process.stdout);
        return;
      }
      // Written beside the target and renamed once verified: a bad download leaves no file.
      const tmp = `${flags.file}.part`;
      try {
        await pipeline(stream, createWriteStream(tmp));
        await rename(tmp, flags.file);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      bar?.done(image.size as number);
    });
  }
}
