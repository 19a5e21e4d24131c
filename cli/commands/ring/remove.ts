import { parseSearchValue, type BuilderDevice } from '../../../ring/index.js';
import { EXIT_ERROR, EXIT_SUCCESS, RingBuilderCommand } from '../../ring-builder/command.js';
import { formatDevice } from '../../ring-builder/format.js';
import { parseDeviceOptions, searchValuesFromOpts } from '../../ring-builder/options.js';

/** `swift-ring-builder <builder> remove <search-value> [<search-value>] … [--yes]` */
export default class RingRemove extends RingBuilderCommand {
  static override description = 'Mark the matching devices for removal at the next rebalance.';
  static override examples = ['<%= config.bin %> ring remove object.builder d3', '<%= config.bin %> ring remove object.builder --ip 10.0.0.1 --yes'];

  protected override usage(): string {
    return 'swift-ring-builder <builder_file> remove <search-value> [search-value ...] [--yes]\n\nor\n\n' +
      'swift-ring-builder <builder_file> remove\n' +
      '    --region <region> --zone <zone> --ip <ip or hostname> --port <port>\n' +
      '    --replication-ip <r_ip or r_hostname> --replication-port <r_port>\n' +
      '    --device <device_name> --meta <meta> --weight <weight> [--yes]';
  }

  protected override async main(): Promise<number> {
    if (this.rest.length < 1) this.usageError();
    const b = this.builder;
    if (b.state.nextPartPower) {
      this.finish(EXIT_ERROR, 'Partition power increase in progress. You need ', 'to finish the increase first before removing devices.');
    }
    const { opts, args, newFormat } = parseDeviceOptions(this.rest);
    let devs: BuilderDevice[] = [];
    if (args.length > 0) {
      if (newFormat) this.usageError();
      for (const arg of args) devs.push(...b.searchDevs(parseSearchValue(arg)));
    } else {
      devs = b.searchDevs(searchValuesFromOpts(opts));
    }
    await this.checkDevs(devs, `Are you sure you want to remove these ${devs.length} devices? (y/N) `, opts.yes, 'Aborting device removals');
    for (const dev of devs) {
      b.removeDev(dev.id);
      this.log(`${formatDevice(dev)} marked for removal and will be removed next rebalance.`);
    }
    this.saveBuilder();
    return EXIT_SUCCESS;
  }
}
