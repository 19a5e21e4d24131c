import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard, waitFlag, waitWithSpinner } from '../../../lib/compute-cli.js';

export default class ServerResize extends Command {
  static override description = 'Resize a server to another flavor';
  static override args = { server: Args.string({ ignoreStdin: true, required: true }), flavor: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags, ...waitFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ServerResize);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const s = await client.findServer(args.server);
      await client.action(s.id, { resize: { flavorRef: (await client.findFlavor(args.flavor)).id } });
      if (flags.wait) await waitWithSpinner(client, s.id, ['VERIFY_RESIZE'], 'Resize a server to another flavor');
      else this.log(`Request to resize server ${s.id} has been accepted.`);
    });
  }
}
