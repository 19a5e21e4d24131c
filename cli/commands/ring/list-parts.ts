import { parseSearchValue, type BuilderDevice } from '../../../ring/index.js';
import { EXIT_ERROR, EXIT_SUCCESS, RingBuilderCommand } from '../../ring-builder/command.js';
import { right } from '../../ring-builder/format.js';
import { parseDeviceOptions, searchValuesFromOpts } from '../../ring-builder/options.js';

/** `swift-ring-builder <builder> list_parts <search-value> [<search-value>] …` */
export default class RingListParts extends RingBuilderCommand {
  static override description = 'List the partitions with replicas on the matching devices, most matches first.';
  static override examples = ['<%= config.bin %> ring list-parts object.builder d0 d1'];

  protected override usage(): string {
    return 'swift-ring-builder <builder_file> list_parts <search-value> [<search-value>] ..\n\nor\n\n' +
      'swift-ring-builder <builder_file> list_parts\n' +
      '    --region <region> --zone <zone> --ip <ip or hostname> --port <port>\n' +
      '    --replication-ip <r_ip or r_hostname> --replication-port <r_port>\n' +
      '    --device <device_name> --meta <meta> --weight <weight>';
  }

  protected override main(): number {
    if (this.rest.length < 1) this.usageError();
    const b = this.builder;
    if (!b.everRebalanced) {
      this.finish(EXIT_ERROR, `Specified builder file "${this.builderFile}" is not rebalanced yet. Please rebalance first.`);
    }
    const { opts, args, newFormat } = parseDeviceOptions(this.rest);
    const devs: BuilderDevice[] = [];
    if (args.length > 0) {
      if (newFormat) this.usageError();
      for (const arg of args) devs.push(...b.searchDevs(parseSearchValue(arg)));
    } else {
      devs.push(...b.searchDevs(searchValuesFromOpts(opts)));
    }
    const parts = devs.length ? b.listParts(devs.map((d) => d.id)) : [];
    if (parts.length === 0) this.finish(EXIT_ERROR, 'No matching devices found');
    const lines = ['Partition   Matches'];
    for (const [part, matches] of parts) lines.push(`${right(part, 9)}   ${right(matches, 7)}`);
    process.stdout.write(lines.join('\n') + '\n');
    return EXIT_SUCCESS;
  }
}
