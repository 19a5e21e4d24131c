import { SwiftlyError } from '../../../common/core.js';
import { MAX_BALANCE, type RebalanceResult } from '../../../ring/index.js';
import { EXIT_ERROR, EXIT_SUCCESS, EXIT_WARNING, RingBuilderCommand } from '../../ring-builder/command.js';
import { fixed, timedelta } from '../../ring-builder/format.js';

const RULE = '-'.repeat(79);

/** `swift-ring-builder <builder> rebalance [--seed N] [--force]` */
export default class RingRebalance extends RingBuilderCommand {
  static override description = 'Reassign partitions to match weights and dispersion, then write the builder and the ring.';
  static override examples = ['<%= config.bin %> ring rebalance object.builder --seed 42', '<%= config.bin %> ring rebalance object.builder --force'];

  protected override usage(): string {
    return 'swift-ring-builder <builder_file> rebalance [options]\n' +
      '    Attempts to rebalance the ring by reassigning partitions that haven\'t been\n' +
      '    recently reassigned.\n\n' +
      'Options:\n  -f, --force  save the rebalanced ring even if < 1% of parts changed\n' +
      '  -s SEED, --seed=SEED  seed to use for rebalance\n  -d, --debug  accepted for compatibility';
  }

  private parseOptions(): { force: boolean; seed?: string } {
    let force = false;
    let seed: string | undefined;
    const positional: string[] = [];
    for (let i = 0; i < this.rest.length; i++) {
      const a = this.rest[i];
      if (a === '-f' || a === '--force') force = true;
      else if (a === '-d' || a === '--debug') continue;
      else if (a === '-s' || a === '--seed') {
        if (i + 1 >= this.rest.length) this.usageError(`${a} option requires 1 argument`);
        seed = this.rest[++i];
      } else if (a.startsWith('--seed=')) seed = a.slice('--seed='.length);
      else if (/^-s./.test(a)) seed = a.slice(2);
      else if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) this.usageError(`no such option: ${a}`);
      else positional.push(a);
    }
    return { force, seed: seed || positional[0] };
  }

  private failure(err: unknown): never {
    if (!(err instanceof SwiftlyError)) throw err;
    this.finish(
      EXIT_ERROR,
      RULE,
      'An error has occurred during ring validation. Common\ncauses of failure are rings that are empty or do not\n' +
        `have enough devices to accommodate the replica count.\nOriginal exception message:\n ${err.message}`,
      RULE,
    );
  }

  protected override main(): number {
    const { force, seed } = this.parseOptions();
    const b = this.builder;
    if (b.state.nextPartPower) {
      this.finish(EXIT_ERROR, 'Partition power increase in progress.', 'You need to finish the increase first before rebalancing.');
    }
    const devsChanged = b.devsChanged;
    const secondsLeft = b.minPartSecondsLeft();
    let lastBalance = 0;
    let lastDispersion: number | null = null;
    let result: RebalanceResult;
    try {
      lastBalance = b.getBalance();
      lastDispersion = b.dispersion;
      result = b.rebalance({ seed });
    } catch (err) {
      this.failure(err);
    }
    const { changedParts, balance, removedDevs } = result;
    const dispersion = b.dispersion ?? 0;
    if (!(changedParts || force || removedDevs)) {
      this.log('No partitions could be reassigned.');
      if (secondsLeft > 0) {
        this.log(
          `The time between rebalances must be at least min_part_hours: ${b.minPartHours} hours ` +
            `(${timedelta(b.minPartSecondsLeft())} remaining)`,
        );
      } else {
        this.log('There is no need to do so at this time');
      }
      return EXIT_WARNING;
    }
    // Save when asked, when devices changed, or when balance or dispersion moved by 1% or more.
    const balanceChanged = Math.abs(lastBalance - balance) >= 1 || (lastBalance === MAX_BALANCE && balance === MAX_BALANCE);
    const dispersionChanged = lastDispersion === null || Math.abs(lastDispersion - dispersion) >= 1;
    if (!force && !devsChanged && !balanceChanged && !dispersionChanged) {
      this.finish(EXIT_WARNING, 'Cowardly refusing to save rebalance as it did not change at least 1%.');
    }
    try {
      b.validate();
    } catch (err) {
      this.failure(err);
    }
    this.log(
      `Reassigned ${changedParts} (${fixed((100 * changedParts) / b.parts, 2)}%) partitions. ` +
        `Balance is now ${fixed(balance, 2)}.  Dispersion is now ${fixed(dispersion, 2)}`,
    );
    let status = EXIT_SUCCESS;
    if (dispersion > 0) {
      this.log(RULE);
      this.log(
        `NOTE: Dispersion of ${fixed(dispersion, 6)} indicates some parts are not\n      optimally dispersed.\n\n` +
          '      You may want to adjust some device weights, increase\n      the overload or review the dispersion report.',
      );
      status = EXIT_WARNING;
      this.log(RULE);
    } else if (balance > 5 && balance / 100 > b.overload) {
      this.log(RULE);
      this.log(`NOTE: Balance of ${fixed(balance, 2)} indicates you should push this `);
      this.log(`      ring, wait at least ${b.minPartHours} hours, and rebalance/repush.`);
      this.log(RULE);
      status = EXIT_WARNING;
    }
    const ts = Date.now() / 1000;
    this.writeRing(true, ts);
    this.saveBuilder(true, ts);
    return status;
  }
}
