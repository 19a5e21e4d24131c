import { Args, Command, Flags } from '@oclif/core';
import { abortOnSignals, daemons, readDaemonSection, startDaemon } from '../../consistency/index.js';

export default class DaemonCommand extends Command {
  static override description = "Run a consistency daemon (Swift's swift-object-replicator, …) from its server's conf";
  static override examples = [
    '<%= config.bin %> daemon object-replicator /etc/swift/object-server.conf',
    '<%= config.bin %> daemon object-updater --once /etc/swift/object-server.conf',
  ];
  static override args = {
    name: Args.string({ ignoreStdin: true, description: 'daemon (= its conf section)', required: true, options: Object.keys(daemons) }),
    conf: Args.string({ ignoreStdin: true, description: 'the server conf holding the [<name>] section', required: true }),
  };
  static override flags = {
    once: Flags.boolean({ description: 'run one pass and exit', default: false }),
    devices: Flags.string({ description: 'only these devices (comma-separated)' }),
    partitions: Flags.string({ description: 'only these partitions (comma-separated)' }),
    verbose: Flags.boolean({ char: 'v', description: 'log at debug level', default: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DaemonCommand);
    const entry = daemons[args.name];
    const overrides: Record<string, string> = {};
    if (flags.devices) overrides.devices_filter = flags.devices;
    if (flags.partitions) overrides.partitions = flags.partitions;
    if (flags.verbose) overrides.log_level = 'debug';
    const conf = readDaemonSection(args.conf, args.name);
    await startDaemon(entry.factory, args.name, conf, { once: flags.once, overrides, signal: abortOnSignals().signal });
  }
}
