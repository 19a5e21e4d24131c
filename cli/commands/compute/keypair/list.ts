import { Command } from '@oclif/core';
import { formatTable } from '../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class KeypairList extends Command {
  static override description = 'List your key pairs';
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(KeypairList);
    await guard(this, async () => {
      const keys = (await (await clientFrom(this, flags)).request('GET', '/os-keypairs')).body.keypairs as { keypair: Record<string, string> }[];
      this.log(formatTable(['Name', 'Fingerprint'], keys.map(({ keypair: k }) => [k.name, k.fingerprint])));
    });
  }
}
