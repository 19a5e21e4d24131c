import { readFileSync, writeFileSync } from 'node:fs';
import { Args, Command, Flags } from '@oclif/core';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class KeypairCreate extends Command {
  static override description = 'Create a key pair: import a public key (--pub-key), or have one generated and its private key printed (or written with --private-key)';
  static override args = { name: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = {
    ...computeFlags,
    'pub-key': Flags.string({ description: 'file with an OpenSSH public key to import', exclusive: ['private-key'] }),
    'private-key': Flags.string({ description: 'write the generated private key to this file (mode 0600) instead of printing it' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(KeypairCreate);
    await guard(this, async () => {
      const keypair: Record<string, string> = { name: args.name };
      if (flags['pub-key']) keypair.public_key = readFileSync(flags['pub-key'], 'utf8');
      const k = (await (await clientFrom(this, flags)).request('POST', '/os-keypairs', { keypair })).body.keypair;
      if (k.private_key && flags['private-key']) {
        writeFileSync(flags['private-key'], k.private_key, { mode: 0o600, flag: 'wx' });
        this.log(`Key pair ${k.name} created (${k.fingerprint}); private key written to ${flags['private-key']}`);
      } else if (k.private_key) {
        process.stdout.write(k.private_key);
      } else {
        this.log(`Key pair ${k.name} imported (${k.fingerprint})`);
      }
    });
  }
}
