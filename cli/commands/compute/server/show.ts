import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard, serverProperties } from '../../../lib/compute-cli.js';

export default class ServerShow extends Command {
  static override description = 'Show a server (by ID or name)';
  static override args = { server: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ServerShow);
    await guard(this, async () => {
      this.log(serverProperties(await (await clientFrom(this, flags)).findServer(args.server)));
    });
  }
}
