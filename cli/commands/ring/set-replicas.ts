import { EXIT_ERROR, EXIT_SUCCESS, RingBuilderCommand } from '../../ring-builder/command.js';
import { fixed } from '../../ring-builder/format.js';
import { parseFloatArg } from '../../ring-builder/options.js';

/** `swift-ring-builder <builder> set_replicas <replicas>` */
export default class RingSetReplicas extends RingBuilderCommand {
  static override description = 'Set the replica count; a fraction gives that share of partitions one more replica.';
  static override examples = ['<%= config.bin %> ring set-replicas object.builder 2.5'];

  protected override usage(): string {
    return 'swift-ring-builder <builder_file> set_replicas <replicas>\n    Changes the replica count to the given <replicas>, which may be fractional.\n\n    A rebalance is needed to make the change take effect.';
  }

  protected override main(): number {
    if (this.rest.length < 1) this.usageError();
    let replicas: number;
    try {
      replicas = parseFloatArg(this.rest[0], 'replicas');
    } catch {
      this.usageError(`"${this.rest[0]}" is not a valid number.`);
    }
    if (!(replicas >= 1)) this.finish(EXIT_ERROR, 'Replica count must be at least 1.');
    const b = this.builder;
    b.setReplicas(replicas);
    this.log(`The replica count is now ${fixed(b.replicas, 6)}.`);
    this.log('The change will take effect after the next rebalance.');
    this.saveBuilder();
    return EXIT_SUCCESS;
  }
}
