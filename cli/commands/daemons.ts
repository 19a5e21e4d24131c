import { Args, Command, Flags } from '@oclif/core';
import { createLogger } from '../../common/index.js';
import { abortOnSignals, configuredDaemons, daemons, startDaemon } from '../../consistency/index.js';

export default class DaemonsCommand extends Command {
  static override description = 'Run, in one process, every consistency daemon whose section the given server confs have';
  static override strict = false;
  static override examples = ['<%= config.bin %> daemons /etc/swift/object-server.conf /etc/swift/container-server.conf'];
  static override args = {
    conf: Args.string({ ignoreStdin: true, description: 'server confs (one or more)', required: true }),
  };
  static override flags = {
    once: Flags.boolean({ description: 'one pass of each, then exit', default: false }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(DaemonsCommand);
    const found = configuredDaemons(argv as string[], Object.keys(daemons));
    const signal = abortOnSignals().signal;
    const root = createLogger({ name: 'swiftly-daemons', level: found[0]?.section.log_level });
    await Promise.all(found.map((d) => startDaemon(daemons[d.name].factory, d.name, d.section, {
      once: flags.once, signal, logger: root.child({ conf: d.confPath }),
    })));
  }
}
