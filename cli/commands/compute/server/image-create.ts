import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard, waitFlag, waitWithSpinner } from '../../../lib/compute-cli.js';

export default class ServerImageCreate extends Command {
  static override description = 'Snapshot a server into a new image';
  static override args = { server: Args.string({ ignoreStdin: true, required: true }), name: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags, ...waitFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ServerImageCreate);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const s = await client.findServer(args.server);
      const res = await client.action(s.id, { createImage: { name: args.name } });
      const imageId = (res.body?.image_id as string | undefined) ?? res.headers.get('location')?.split('/').pop();
      if (flags.wait) await waitWithSpinner(client, s.id, [s.status], 'Snapshotting server');
      this.log(`Image ${imageId} created from server ${s.id}`);
    });
  }
}
