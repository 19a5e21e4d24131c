import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard, waitFlag, waitWithSpinner } from '../../../lib/compute-cli.js';

export default class ServerStart extends Command {
  static override description = 'Start a stopped server';
  static override args = { server: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags, ...waitFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ServerStart);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const s = await client.findServer(args.server);
      await client.action(s.id, { 'os-start': null });
      if (flags.wait) await waitWithSpinner(client, s.id, ['ACTIVE'], 'Start a stopped server');
      else this.log(`Request to start server ${s.id} has been accepted.`);
    });
  }
}
