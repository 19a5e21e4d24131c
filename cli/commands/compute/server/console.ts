import { Args, Command, Flags } from '@oclif/core';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class ServerConsole extends Command {
  static override description = "Print a server's console output";
  static override args = { server: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags, length: Flags.integer({ description: 'last N lines only' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ServerConsole);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const s = await client.findServer(args.server);
      const out = (await client.action(s.id, { 'os-getConsoleOutput': flags.length === undefined ? {} : { length: flags.length } })).body.output as string;
      process.stdout.write(out);
    });
  }
}
