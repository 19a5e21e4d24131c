import { RingBuilder } from '../../../ring/index.js';
import { EXIT_SUCCESS, RingBuilderCommand } from '../../ring-builder/command.js';
import { parseFloatArg, parseIntArg } from '../../ring-builder/options.js';

/** `swift-ring-builder <builder> create <part_power> <replicas> <min_part_hours>` */
export default class RingCreate extends RingBuilderCommand {
  static override description = 'Create a ring builder with 2^<part_power> partitions, <replicas> replicas and <min_part_hours>.';
  static override examples = ['<%= config.bin %> ring create object.builder 10 3 1'];

  protected override usage(): string {
    return 'swift-ring-builder <builder_file> create <part_power> <replicas> <min_part_hours>\n' +
      '    Creates <builder_file> with 2^<part_power> partitions and <replicas>.\n' +
      '    <min_part_hours> is the number of hours before a partition may move again.';
  }

  protected override main(): number {
    if (this.rest.length < 3) this.usageError();
    const [power, replicas, hours] = this.rest;
    this.builder = RingBuilder.create(parseIntArg(power, 'part_power'), parseFloatArg(replicas, 'replicas'), parseIntArg(hours, 'min_part_hours'));
    this.saveBuilder(true);
    return EXIT_SUCCESS;
  }
}
