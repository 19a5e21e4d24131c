import { EXIT_SUCCESS, RingBuilderCommand } from '../../ring-builder/command.js';
import { parseIntArg } from '../../ring-builder/options.js';

/** `swift-ring-builder <builder> set_min_part_hours <hours>` */
export default class RingSetMinPartHours extends RingBuilderCommand {
  static override description = 'Set how many hours must pass before a partition may move again.';
  static override examples = ['<%= config.bin %> ring set-min-part-hours object.builder 24'];

  protected override usage(): string {
    return 'swift-ring-builder <builder_file> set_min_part_hours <hours>\n    Changes the <min_part_hours> to the given <hours>.';
  }

  protected override main(): number {
    if (this.rest.length < 1) this.usageError();
    this.builder.setMinPartHours(parseIntArg(this.rest[0], 'min_part_hours'));
    this.log(`The minimum number of hours before a partition can be reassigned is now set to ${this.rest[0]}`);
    this.saveBuilder();
    return EXIT_SUCCESS;
  }
}
