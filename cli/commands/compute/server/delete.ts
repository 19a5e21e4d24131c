import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard, waitFlag, waitWithSpinner } from '../../../lib/compute-cli.js';

export default class ServerDelete extends Command {
  static override description = 'Delete a server (by ID or name)';
  static override args = { server: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags, ...waitFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ServerDelete);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const s = await client.findServer(args.server);
      await client.request('DELETE', `/servers/${s.id}`);
      if (flags.wait) await waitWithSpinner(client, s.id, ['DELETED'], 'Deleting server');
      this.log(`Request to delete server ${s.id} has been accepted.`);
    });
  }
}
