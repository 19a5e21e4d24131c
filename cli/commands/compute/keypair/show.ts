import { Args, Command } from '@oclif/core';
import { formatProperties } from '../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class KeypairShow extends Command {
  static override description = 'Show a key pair';
  static override args = { name: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(KeypairShow);
    await guard(this, async () => {
      const k = (await (await clientFrom(this, flags)).request('GET', `/os-keypairs/${encodeURIComponent(args.name)}`)).body.keypair;
      this.log(formatProperties(k));
    });
  }
}
