import { parseSearchValue, MAX_BALANCE, type SearchValues } from '../../../ring/index.js';
import { EXIT_ERROR, EXIT_SUCCESS, RingBuilderCommand } from '../../ring-builder/command.js';
import { fixed, right } from '../../ring-builder/format.js';
import { parseDeviceOptions, searchValuesFromOpts } from '../../ring-builder/options.js';

/** `swift-ring-builder <builder> search <search-value>` or `search --region … --ip …` */
export default class RingSearch extends RingBuilderCommand {
  static override description = 'Show the devices matching a search value (d<id>r<region>z<zone>-<ip>:<port>R<r_ip>:<r_port>/<device>_<meta>) or options.';
  static override examples = ['<%= config.bin %> ring search object.builder z1-10.0.0.1', '<%= config.bin %> ring search object.builder --device sdb'];

  protected override usage(): string {
    return 'swift-ring-builder <builder_file> search <search-value>\n\nor\n\n' +
      'swift-ring-builder <builder_file> search\n' +
      '    --region <region> --zone <zone> --ip <ip or hostname> --port <port>\n' +
      '    --replication-ip <r_ip or r_hostname> --replication-port <r_port>\n' +
      '    --device <device_name> --meta <meta> --weight <weight>';
  }

  protected override main(): number {
    if (this.rest.length < 1) this.usageError();
    const b = this.builder;
    const { opts, args, newFormat } = parseDeviceOptions(this.rest);
    let values: SearchValues;
    if (args.length > 0) {
      if (newFormat || args.length !== 1) this.usageError();
      values = parseSearchValue(args[0]);
    } else {
      values = searchValuesFromOpts(opts);
    }
    const devs = b.searchDevs(values);
    if (devs.length === 0) this.finish(EXIT_ERROR, 'No matching devices found');
    this.log('Devices:    id  region  zone      ip address  port  replication ip  replication port      name weight partitions balance meta');
    const totalWeight = b.liveDevs().reduce((sum, d) => sum + d.weight, 0);
    const weightedParts = (b.parts * b.replicas) / totalWeight;
    for (const dev of devs) {
      const balance = !dev.weight ? (dev.parts ? MAX_BALANCE : 0) : (100 * dev.parts) / (dev.weight * weightedParts) - 100;
      this.log(
        `         ${right(dev.id, 5)} ${right(dev.region, 7)} ${right(dev.zone, 5)} ${right(dev.ip, 15)} ${right(dev.port, 5)} ` +
          `${right(dev.replication_ip, 15)} ${right(dev.replication_port, 17)} ${right(dev.device, 9)} ${right(fixed(dev.weight, 2), 6)} ` +
          `${right(dev.parts, 10)} ${right(fixed(balance, 2), 7)} ${dev.meta}`,
      );
    }
    return EXIT_SUCCESS;
  }
}
