import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard, waitFlag, waitWithSpinner } from '../../../lib/compute-cli.js';

export default class ServerResizeRevert extends Command {
  static override description = 'Revert a resize';
  static override args = { server: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags, ...waitFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ServerResizeRevert);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const s = await client.findServer(args.server);
      await client.action(s.id, { revertResize: null });
      if (flags.wait) await waitWithSpinner(client, s.id, ['ACTIVE', 'SHUTOFF'], 'Revert a resize');
      else this.log(`Request to resize-revert server ${s.id} has been accepted.`);
    });
  }
}
