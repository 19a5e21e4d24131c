import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard, waitFlag, waitWithSpinner } from '../../../lib/compute-cli.js';

export default class ServerResume extends Command {
  static override description = 'Resume a suspended server';
  static override args = { server: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags, ...waitFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ServerResume);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const s = await client.findServer(args.server);
      await client.action(s.id, { resume: null });
      if (flags.wait) await waitWithSpinner(client, s.id, ['ACTIVE'], 'Resume a suspended server');
      else this.log(`Request to resume server ${s.id} has been accepted.`);
    });
  }
}
