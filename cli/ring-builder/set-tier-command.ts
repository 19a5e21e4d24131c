import type { BuilderDevice } from '../../ring/index.js';
import { formatDevice } from './format.js';
import { parseIntArg } from './options.js';
import { SetDevicesCommand } from './set-devices-command.js';

/**
 * `set_region` and `set_zone`: the same command for two tiers —
 * `<search-value> <value>` pairs, or the `--region --zone …` flag form.
 */
export abstract class SetTierCommand extends SetDevicesCommand<number> {
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

  protected override readonly flagFormArgs = 1;

  protected override parseValue(arg: string): number {
    return parseIntArg(arg, this.tier);
  }

  protected override flagValue(_opts: unknown, args: string[]): number {
    return parseIntArg(args[0], this.tier);
  }

  protected override async apply(devs: BuilderDevice[], value: number, yes: boolean): Promise<void> {
    const t = this.tier;
    await this.checkDevs(devs, `Are you sure you want to update the ${t} for these ${devs.length} devices? (y/N) `, yes, 'Aborting device modifications');
    for (const dev of devs) {
      if (t === 'region') this.builder.setDevRegion(dev.id, value);
      else this.builder.setDevZone(dev.id, value);
      this.log(`${formatDevice(dev)} ${t} set to ${dev[t]}`);
    }
  }
}
