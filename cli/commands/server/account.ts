import { Args, Command } from '@oclif/core';
// Not storage/index.js: that loads every server; the primary only supervises its workers.
import { runStorageServer } from '../../../storage/run-storage.js';

export default class AccountServer extends Command {
  static override description = 'Run the account server from a Swift-style account-server.conf';
  static override args = {
    conf: Args.string({ ignoreStdin: true, description: 'path to account-server.conf (or a .conf.d directory)', required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(AccountServer);
    await runStorageServer('account', args.conf);
  }
}
