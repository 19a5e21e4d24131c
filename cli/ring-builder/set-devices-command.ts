import { parseSearchValue, type BuilderDevice } from '../../ring/index.js';
import { EXIT_SUCCESS, RingBuilderCommand } from './command.js';
import { parseDeviceOptions, searchValuesFromOpts, type DeviceOptions } from './options.js';

/**
 * The shape set_weight, set_info, set_region and set_zone share: pairs of
 * `<search-value> <new value>`, or the flag form (`--region --zone --ip …`
 * choose the devices, the new value follows them or is in the flags too).
 */
export abstract class SetDevicesCommand<T> extends RingBuilderCommand {
  /** How many arguments the flag form takes after its flags (the new value), or undefined when the value is in the flags. */
  protected abstract readonly flagFormArgs: number | undefined;
  /** The new value of a `<search-value> <new value>` pair. */
  protected abstract parseValue(arg: string): T;
  /** The new value in the flag form. */
  protected abstract flagValue(opts: DeviceOptions, args: string[]): T;
  /** Changes the matching devices (after Swift's check_devs). */
  protected abstract apply(devs: BuilderDevice[], value: T, yes: boolean): Promise<void>;

  protected override async main(): Promise<number> {
    if (this.rest.length < 2) this.usageError();
    const b = this.builder;
    const { opts, args, newFormat } = parseDeviceOptions(this.rest);
    if (!newFormat) {
      if (args.length % 2 !== 0) this.usageError();
      for (let i = 0; i < args.length; i += 2) {
        const devs = b.searchDevs(parseSearchValue(args[i]));
        await this.apply(devs, this.parseValue(args[i + 1]), opts.yes);
      }
    } else {
      if (this.flagFormArgs !== undefined && args.length !== this.flagFormArgs) this.usageError();
      await this.apply(b.searchDevs(searchValuesFromOpts(opts)), this.flagValue(opts, args), opts.yes);
    }
    this.saveBuilder();
    return EXIT_SUCCESS;
  }
}
