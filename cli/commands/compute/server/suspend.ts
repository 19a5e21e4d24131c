import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard, waitFlag, waitWithSpinner } from '../../../lib/compute-cli.js';

export default class ServerSuspend extends Command {
  static override description = 'Suspend a server';
  static override args = { server: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags, ...waitFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ServerSuspend);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const s = await client.findServer(args.server);
      await client.action(s.id, { suspend: null });
      if (flags.wait) await waitWithSpinner(client, s.id, ['SUSPENDED'], 'Suspend a server');
      else this.log(`Request to suspend server ${s.id} has been accepted.`);
    });
  }
}
