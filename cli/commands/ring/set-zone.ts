import { SetTierCommand } from '../../ring-builder/set-tier-command.js';

/** `swift-ring-builder <builder> set_zone <search-value> <zone> [<search-value> <zone>] … [--yes]` */
export default class RingSetZone extends SetTierCommand {
  static override description = 'Move the matching devices to another zone (takes effect at the next rebalance).';
  static override examples = ['<%= config.bin %> ring set-zone object.builder d3 2'];
  protected readonly tier = 'zone';
}
