import { EXIT_SUCCESS, RingBuilderCommand } from '../../ring-builder/command.js';

/** `swift-ring-builder <builder> pretend_min_part_hours_passed` */
export default class RingPretendMinPartHoursPassed extends RingBuilderCommand {
  static override description = 'Reset the clock on partition moves so the next rebalance may move anything. Use with extreme caution.';
  static override examples = ['<%= config.bin %> ring pretend-min-part-hours-passed object.builder'];

  protected override usage(): string {
    return 'swift-ring-builder <builder_file> pretend_min_part_hours_passed\n    Resets the clock on the last time a rebalance happened.';
  }

  protected override main(): number {
    this.builder.pretendMinPartHoursPassed();
    this.saveBuilder();
    return EXIT_SUCCESS;
  }
}
