import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class KeypairDelete extends Command {
  static override description = 'Delete a key pair';
  static override args = { name: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(KeypairDelete);
    await guard(this, async () => {
      await (await clientFrom(this, flags)).request('DELETE', `/os-keypairs/${encodeURIComponent(args.name)}`);
      this.log(`Key pair ${args.name} deleted`);
    });
  }
}
