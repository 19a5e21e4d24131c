import { parseSearchValue, type BuilderDevice } from '../../../ring/index.js';
import { EXIT_SUCCESS, RingBuilderCommand } from '../../ring-builder/command.js';
import { formatDevice } from '../../ring-builder/format.js';
import { parseDeviceOptions, parseIntArg, searchValuesFromOpts } from '../../ring-builder/options.js';

/** `swift-ring-builder <builder> set_region <search-value> <region> [<search-value> <region>] … [--yes]` */
export default class RingSetRegion extends RingBuilderCommand {
  static override description = 'Move the matching devices to another region (takes effect at the next rebalance).';
  static override examples = ['<%= config.bin %> ring set-region object.builder d3 2'];

  protected override usage(): string {
    return 'swift-ring-builder <builder_file> set_region <search-value> <region>\n' +
      '    [<search-value> <region>] ... [--yes]\n\nor\n\n' +
      'swift-ring-builder <builder_file> set_region\n' +
      '    --region <region> --zone <zone> --ip <ip or hostname> --port <port>\n' +
      '    --replication-ip <r_ip or r_hostname> --replication-port <r_port>\n' +
      '    --device <device_name> --meta <meta> <new region> [--yes]';
  }

  private async apply(devs: BuilderDevice[], value: number, yes: boolean): Promise<void> {
    await this.checkDevs(devs, `Are you sure you want to update the region for these ${devs.length} devices? (y/N) `, yes, 'Aborting device modifications');
    for (const dev of devs) {
      this.builder.setDevRegion(dev.id, value);
      this.log(`${formatDevice(dev)} region set to ${dev.region}`);
    }
  }

  protected override async main(): Promise<number> {
    if (this.rest.length < 2) this.usageError();
    const b = this.builder;
    const { opts, args, newFormat } = parseDeviceOptions(this.rest);
    if (!newFormat) {
      if (args.length % 2 !== 0) this.usageError();
      for (let i = 0; i < args.length; i += 2) {
        await this.apply(b.searchDevs(parseSearchValue(args[i])), parseIntArg(args[i + 1], 'region'), opts.yes);
      }
    } else {
      if (args.length !== 1) this.usageError();
      await this.apply(b.searchDevs(searchValuesFromOpts(opts)), parseIntArg(args[0], 'region'), opts.yes);
    }
    this.saveBuilder();
    return EXIT_SUCCESS;
  }
}
