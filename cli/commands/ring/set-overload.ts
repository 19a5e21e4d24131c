import { EXIT_ERROR, EXIT_SUCCESS, EXIT_WARNING, RingBuilderCommand } from '../../ring-builder/command.js';
import { fixed } from '../../ring-builder/format.js';
import { parseFloatArg } from '../../ring-builder/options.js';

/** `swift-ring-builder <builder> set_overload <overload>[%]` */
export default class RingSetOverload extends RingBuilderCommand {
  static override description = 'Set the overload factor (0.1 or 10%): how far past its weight a device may fill for dispersion.';
  static override examples = ['<%= config.bin %> ring set-overload object.builder 10%'];

  protected override usage(): string {
    return 'swift-ring-builder <builder_file> set_overload <overload>[%]\n    Changes the overload factor to the given <overload>.\n\n    A rebalance is needed to make the change take effect.';
  }

  protected override main(): number {
    if (this.rest.length < 1) this.usageError();
    let text = this.rest[0];
    const percent = text.endsWith('%');
    if (percent) text = text.replace(/%+$/, '');
    let overload: number;
    try {
      overload = parseFloatArg(text, 'overload');
    } catch {
      this.usageError(`'${text}' is not a valid number.`);
    }
    if (percent) overload *= 0.01;
    if (overload < 0) this.finish(EXIT_ERROR, 'Overload must be non-negative.');
    let status = EXIT_SUCCESS;
    if (overload > 1 && !percent) {
      this.log('!?! Warning overload is greater than 100% !?!');
      status = EXIT_WARNING;
    }
    const b = this.builder;
    b.setOverload(overload);
    this.log(`The overload factor is now ${fixed(b.overload * 100, 2)}% (${fixed(b.overload, 6)})`);
    this.log('The change will take effect after the next rebalance.');
    this.saveBuilder();
    return status;
  }
}
