import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard, waitFlag, waitWithSpinner } from '../../../lib/compute-cli.js';

export default class ServerPause extends Command {
  static override description = 'Pause a server';
  static override args = { server: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags, ...waitFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ServerPause);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const s = await client.findServer(args.server);
      await client.action(s.id, { pause: null });
      if (flags.wait) await waitWithSpinner(client, s.id, ['PAUSED'], 'Pause a server');
      else this.log(`Request to pause server ${s.id} has been accepted.`);
    });
  }
}
