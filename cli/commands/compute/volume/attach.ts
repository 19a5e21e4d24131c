import { Args, Command, Flags } from '@oclif/core';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class VolumeAttach extends Command {
  static override description = 'Attach a volume to a server (running or stopped): a virtio disk, /dev/vdb onwards';
  static override args = {
    server: Args.string({ ignoreStdin: true, required: true }),
    volume: Args.string({ ignoreStdin: true, required: true }),
  };
  static override flags = { ...computeFlags, device: Flags.string({ description: 'the guest device (/dev/vdX); the next free one by default' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(VolumeAttach);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const s = await client.findServer(args.server);
      const v = await client.findVolume(args.volume);
      const a = (await client.request('POST', `/servers/${s.id}/os-volume_attachments`, { volumeAttachment: { volumeId: v.id, device: flags.device } })).body.volumeAttachment;
      this.log(`Volume ${a.volumeId} attached to server ${a.serverId} as ${a.device}`);
    });
  }
}
