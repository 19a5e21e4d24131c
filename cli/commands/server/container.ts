import { Args, Command } from '@oclif/core';
// Not storage/index.js: that loads every server; the primary only supervises its workers.
import { runStorageServer } from '../../../storage/run-storage.js';

export default class ContainerServer extends Command {
  static override description = 'Run the container server from a Swift-style container-server.conf';
  static override args = {
    conf: Args.string({ ignoreStdin: true, description: 'path to container-server.conf (or a .conf.d directory)', required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(ContainerServer);
    await runStorageServer('container', args.conf);
  }
}
