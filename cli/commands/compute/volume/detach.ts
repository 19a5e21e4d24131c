import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class VolumeDetach extends Command {
  static override description = 'Detach a volume from a server (a running guest must let go of the disk first)';
  static override args = {
    server: Args.string({ ignoreStdin: true, required: true }),
    volume: Args.string({ ignoreStdin: true, required: true }),
  };
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(VolumeDetach);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const s = await client.findServer(args.server);
      const v = await client.findVolume(args.volume);
      await client.request('DELETE', `/servers/${s.id}/os-volume_attachments/${v.id}`);
      this.log(`Volume ${v.id} detached from server ${s.id}`);
    });
  }
}
