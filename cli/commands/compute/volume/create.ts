import { Args, Command, Flags } from '@oclif/core';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';
import { volumeProperties, volumeWaitFlag, waitVolumeWithSpinner } from '../../../lib/volume-cli.js';

export default class VolumeCreate extends Command {
  static override description = 'Create a volume: empty (--size GiB), from an image (--image) or from a snapshot (--snapshot)';
  static override args = { name: Args.string({ ignoreStdin: true, description: 'the volume\'s name' }) };
  static override flags = {
    ...computeFlags, ...volumeWaitFlag,
    size: Flags.integer({ description: 'size in GiB (from an image or snapshot: at least theirs; default theirs)', min: 1 }),
    image: Flags.string({ description: 'image (ID or name) whose data the volume starts with', exclusive: ['snapshot'] }),
    snapshot: Flags.string({ description: 'snapshot ID the volume starts from' }),
    description: Flags.string({ description: 'a description' }),
    property: Flags.string({ description: 'metadata key=value (repeatable)', multiple: true }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(VolumeCreate);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const metadata = Object.fromEntries((flags.property ?? []).map((p) => {
        const i = p.indexOf('=');
        if (i <= 0) throw new Error(`--property ${p}: expected key=value`);
        return [p.slice(0, i), p.slice(i + 1)];
      }));
      const volume: Record<string, unknown> = { name: args.name ?? null, size: flags.size, description: flags.description, metadata };
      if (flags.image) volume.imageRef = await client.findImage(flags.image);
      if (flags.snapshot) volume.snapshot_id = flags.snapshot;
      let v = (await client.request('POST', '/volumes', { volume }, 'v3')).body.volume;
      if (flags.wait) v = await waitVolumeWithSpinner(client, v.id, ['available'], 'Creating volume');
      this.log(volumeProperties(v));
    });
  }
}
