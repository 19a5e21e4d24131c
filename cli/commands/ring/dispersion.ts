import { EXIT_ERROR, EXIT_SUCCESS, EXIT_WARNING, RingBuilderCommand } from '../../ring-builder/command.js';
import { fixed, left, right } from '../../ring-builder/format.js';

/** `swift-ring-builder <builder> dispersion [<search_filter>] [--verbose] [--recalculate]` */
export default class RingDispersion extends RingBuilderCommand {
  static override description = 'Report dispersion: the worst tier and, with --verbose, replicas per partition for each tier (a regex filters tiers).';
  static override examples = ['<%= config.bin %> ring dispersion object.builder -v', '<%= config.bin %> ring dispersion object.builder "r\\d+z\\d+$" -v'];

  protected override usage(): string {
    return 'swift-ring-builder <builder_file> dispersion <search_filter> [options]\n\n    Output report on dispersion.\n\n' +
      '    --recalculate option will rebuild cached dispersion info and save builder\n' +
      '    --verbose option will display dispersion graph broken down by tier';
  }

  protected override main(): number {
    const b = this.builder;
    if (!b.everRebalanced) {
      this.finish(EXIT_ERROR, `Specified builder file "${this.builderFile}" is not rebalanced yet. Please rebalance first.`);
    }
    let verbose = false;
    let recalculate = false;
    const args: string[] = [];
    for (const a of this.rest) {
      if (a === '-v' || a === '--verbose') verbose = true;
      else if (a === '--recalculate') recalculate = true;
      else if (a.startsWith('-') && a.length > 1) this.usageError(`no such option: ${a}`);
      else args.push(a);
    }
    if (recalculate) {
      b.recalculateDispersion();
      this.saveBuilder();
    }
    const report = b.dispersionReport({ searchFilter: args[0], verbose });
    let status = EXIT_SUCCESS;
    this.log(`Dispersion is ${fixed(b.dispersion ?? 0, 6)}, Balance is ${fixed(b.getBalance(), 6)}, Overload is ${fixed(b.overload * 100, 2)}%`);
    this.log(`Required overload is ${fixed(b.getRequiredOverload() * 100, 6)}%`);
    if (report.worstTier) {
      status = EXIT_WARNING;
      this.log(`Worst tier is ${fixed(report.maxDispersion, 6)} (${report.worstTier})`);
    }
    if (report.graph.length) {
      const columns = Math.ceil(b.replicas + 1);
      const partW = Math.max(String(b.parts).length, 5);
      const tierW = Math.max(...report.graph.map(([name]) => name.length), 30);
      const counts = (values: (number | string)[]): string => values.map((v) => right(v, partW)).join(' ');
      const header = `${left('Tier', tierW)} ${right('Parts', partW)} ${right('%', 6)} ${right('Max', 6)} ${counts([...Array(columns).keys()])}`;
      const underline = '-'.repeat(header.length);
      this.log(underline);
      this.log(header);
      this.log(underline);
      for (const [name, tier] of report.graph) {
        this.log(
          `${left(name, tierW)} ${right(tier.placedParts, partW)} ${right(fixed(tier.dispersion, 2), 6)} ${right(tier.maxReplicas, 6)} ` +
            counts(tier.replicas.slice(0, columns)),
        );
      }
    }
    return status;
  }
}
