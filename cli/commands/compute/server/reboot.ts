import { Args, Command, Flags } from '@oclif/core';
import { clientFrom, computeFlags, guard, waitFlag, waitWithSpinner } from '../../../lib/compute-cli.js';

export default class ServerReboot extends Command {
  static override description = 'Reboot a server';
  static override args = { server: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags, ...waitFlag, hard: Flags.boolean({ description: 'HARD reboot', default: false }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ServerReboot);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const s = await client.findServer(args.server);
      await client.action(s.id, { reboot: { type: flags.hard ? 'HARD' : 'SOFT' } });
      if (flags.wait) await waitWithSpinner(client, s.id, ['ACTIVE'], 'Reboot a server');
      else this.log(`Request to reboot server ${s.id} has been accepted.`);
    });
  }
}
