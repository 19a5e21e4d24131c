import { parseSearchValue, type BuilderDevice } from '../../ring/index.js';
import { EXIT_SUCCESS, RingBuilderCommand } from './command.js';
import { formatDevice } from './format.js';
import { parseDeviceOptions, parseIntArg, searchValuesFromOpts } from './options.js';

/**
 * `set_region` and `set_zone`: the same command for two tiers —
 * `<search-value> <value>` pairs, or the `--region --zone …` flag form.
 */
export abstract class SetTierCommand extends RingBuilderCommand {
  protected abstract readonly tier: 'region' | 'zone';

  protected override usage(): string {
    const t = this.tier;
    return `swift-ring-builder <builder_file> set_${t} <search-value> <${t}>\n` +
      `    [<search-value> <${t}>] ... [--yes]\n\nor\n\n` +
      `swift-ring-builder <builder_file> set_${t}\n` +
      '    --region <region> --zone <zone> --ip <ip or hostname> --port <port>\n' +
      '    --replication-ip <r_ip or r_hostname> --replication-port <r_port>\n' +
      `    --device <device_name> --meta <meta> <new ${t}> [--yes]`;
  }

  private async apply(devs: BuilderDevice[], value: number, yes: boolean): Promise<void> {
    const t = this.tier;
    await this.checkDevs(devs, `Are you sure you want to update the ${t} for these ${devs.length} devices? (y/N) `, yes, 'Aborting device modifications');
    for (const dev of devs) {
      if (t === 'region') this.builder.setDevRegion(dev.id, value);
      else this.builder.setDevZone(dev.id, value);
      this.log(`${formatDevice(dev)} ${t} set to ${dev[t]}`);
    }
  }

  protected override async main(): Promise<number> {
    if (this.rest.length < 2) this.usageError();
    const b = this.builder;
    const { opts, args, newFormat } = parseDeviceOptions(this.rest);
    if (!newFormat) {
      if (args.length % 2 !== 0) this.usageError();
      for (let i = 0; i < args.length; i += 2) {
        await this.apply(b.searchDevs(parseSearchValue(args[i])), parseIntArg(args[i + 1], this.tier), opts.yes);
      }
    } else {
      if (args.length !== 1) this.usageError();
      await this.apply(b.searchDevs(searchValuesFromOpts(opts)), parseIntArg(args[0], this.tier), opts.yes);
    }
    this.saveBuilder();
    return EXIT_SUCCESS;
  }
}
