import { parseSearchValue, type BuilderDevice } from '../../../ring/index.js';
import { EXIT_SUCCESS, RingBuilderCommand } from '../../ring-builder/command.js';
import { formatDevice, pyFloat } from '../../ring-builder/format.js';
import { parseDeviceOptions, parseFloatArg, searchValuesFromOpts } from '../../ring-builder/options.js';

/** `swift-ring-builder <builder> set_weight <search-value> <weight> [<search-value> <weight>] … [--yes]` */
export default class RingSetWeight extends RingBuilderCommand {
  static override description = "Set the weight of the matching devices (takes effect at the next rebalance).";
  static override examples = ['<%= config.bin %> ring set-weight object.builder d3 50', '<%= config.bin %> ring set-weight object.builder --zone 2 100 --yes'];

  protected override usage(): string {
    return 'swift-ring-builder <builder_file> set_weight <search-value> <new_weight>\n' +
      '    [<search-value> <new_weight>] ... [--yes]\n\nor\n\n' +
      'swift-ring-builder <builder_file> set_weight\n' +
      '    --region <region> --zone <zone> --ip <ip or hostname> --port <port>\n' +
      '    --replication-ip <r_ip or r_hostname> --replication-port <r_port>\n' +
      '    --device <device_name> --meta <meta> --weight <weight> <new_weight> [--yes]';
  }

  private async apply(devs: BuilderDevice[], weight: number, yes: boolean): Promise<void> {
    await this.checkDevs(devs, `Are you sure you want to update the weight for these ${devs.length} devices? (y/N) `, yes, 'Aborting device modifications');
    for (const dev of devs) {
      this.builder.setDevWeight(dev.id, weight);
      this.log(`${formatDevice(dev)} weight set to ${pyFloat(dev.weight)}`);
    }
  }

  protected override async main(): Promise<number> {
    if (this.rest.length < 2) this.usageError();
    const b = this.builder;
    const { opts, args, newFormat } = parseDeviceOptions(this.rest);
    if (!newFormat) {
      if (args.length % 2 !== 0) this.usageError();
      for (let i = 0; i < args.length; i += 2) {
        const devs = b.searchDevs(parseSearchValue(args[i]));
        await this.apply(devs, parseFloatArg(args[i + 1], 'weight'), opts.yes);
      }
    } else {
      if (args.length !== 1) this.usageError();
      await this.apply(b.searchDevs(searchValuesFromOpts(opts)), parseFloatArg(args[0], 'weight'), opts.yes);
    }
    this.saveBuilder();
    return EXIT_SUCCESS;
  }
}
