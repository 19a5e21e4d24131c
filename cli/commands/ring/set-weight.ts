import type { BuilderDevice } from '../../../ring/index.js';
import { formatDevice, pyFloat } from '../../ring-builder/format.js';
import { parseFloatArg } from '../../ring-builder/options.js';
import { SetDevicesCommand } from '../../ring-builder/set-devices-command.js';

/** `swift-ring-builder <builder> set_weight <search-value> <weight> [<search-value> <weight>] … [--yes]` */
export default class RingSetWeight extends SetDevicesCommand<number> {
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

  protected override readonly flagFormArgs = 1;

  protected override parseValue(arg: string): number {
    return parseFloatArg(arg, 'weight');
  }

  protected override flagValue(_opts: unknown, args: string[]): number {
    return parseFloatArg(args[0], 'weight');
  }

  protected override async apply(devs: BuilderDevice[], weight: number, yes: boolean): Promise<void> {
    await this.checkDevs(devs, `Are you sure you want to update the weight for these ${devs.length} devices? (y/N) `, yes, 'Aborting device modifications');
    for (const dev of devs) {
      this.builder.setDevWeight(dev.id, weight);
      this.log(`${formatDevice(dev)} weight set to ${pyFloat(dev.weight)}`);
    }
  }
}
