import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard, waitFlag, waitWithSpinner } from '../../../lib/compute-cli.js';

export default class ServerResizeConfirm extends Command {
  static override description = 'Confirm a resize';
  static override args = { server: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags, ...waitFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ServerResizeConfirm);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const s = await client.findServer(args.server);
      await client.action(s.id, { confirmResize: null });
      if (flags.wait) await waitWithSpinner(client, s.id, ['ACTIVE', 'SHUTOFF'], 'Confirm a resize');
      else this.log(`Request to resize-confirm server ${s.id} has been accepted.`);
    });
  }
}
