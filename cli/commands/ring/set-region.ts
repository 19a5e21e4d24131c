import { SetTierCommand } from '../../ring-builder/set-tier-command.js';

/** `swift-ring-builder <builder> set_region <search-value> <region> [<search-value> <region>] … [--yes]` */
export default class RingSetRegion extends SetTierCommand {
  static override description = 'Move the matching devices to another region (takes effect at the next rebalance).';
  static override examples = ['<%= config.bin %> ring set-region object.builder d3 2'];
  protected readonly tier = 'region';
}
