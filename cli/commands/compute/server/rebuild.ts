import { Args, Command, Flags } from '@oclif/core';
import { clientFrom, computeFlags, guard, waitFlag, waitWithSpinner } from '../../../lib/compute-cli.js';

export default class ServerRebuild extends Command {
  static override description = 'Rebuild a server from an image';
  static override args = { server: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags, ...waitFlag, image: Flags.string({ description: 'image ID or name', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ServerRebuild);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const s = await client.findServer(args.server);
      await client.action(s.id, { rebuild: { imageRef: await client.findImage(flags.image) } });
      if (flags.wait) await waitWithSpinner(client, s.id, ['ACTIVE'], 'Rebuild a server from an image');
      else this.log(`Request to rebuild server ${s.id} has been accepted.`);
    });
  }
}
