import { parseAddValue, type NewDevice } from '../../../ring/index.js';
import { SwiftlyError } from '../../../common/core.js';
import { EXIT_ERROR, EXIT_SUCCESS, RingBuilderCommand } from '../../ring-builder/command.js';
import { formatDevice, pyFloat } from '../../ring-builder/format.js';
import { deviceFromOpts, parseDeviceOptions, parseFloatArg } from '../../ring-builder/options.js';

/** `swift-ring-builder <builder> add <dev> <weight> [<dev> <weight>] …` or `add --region … --weight …` */
export default class RingAdd extends RingBuilderCommand {
  static override description = 'Add devices: [r<region>]z<zone>-<ip>:<port>[R<r_ip>:<r_port>]/<device>_<meta> <weight> pairs, or the --region/--zone/--ip/--port/--device/--weight options.';
  static override examples = [
    '<%= config.bin %> ring add object.builder r1z1-10.0.0.1:6200/sdb 100 r1z2-10.0.0.2:6200/sdb 100',
    '<%= config.bin %> ring add object.builder --region 1 --zone 1 --ip 10.0.0.1 --port 6200 --device sdc --weight 100',
  ];

  protected override usage(): string {
    return 'swift-ring-builder <builder_file> add\n' +
      '    [r<region>]z<zone>-<ip>:<port>[R<r_ip>:<r_port>]/<device_name>_<meta> <weight>\n' +
      '    [[r<region>]z<zone>-<ip>:<port>[R<r_ip>:<r_port>]/<device_name>_<meta> <weight>] ...\n\nor\n\n' +
      'swift-ring-builder <builder_file> add\n' +
      '    --region <region> --zone <zone> --ip <ip or hostname> --port <port>\n' +
      '    [--replication-ip <r_ip or r_hostname>] [--replication-port <r_port>]\n' +
      '    --device <device_name> --weight <weight> [--meta <meta>]';
  }

  private parseDevices(): NewDevice[] {
    const { opts, args, newFormat } = parseDeviceOptions(this.rest);
    if (args.length === 0) return [deviceFromOpts(opts)];
    if (newFormat || args.length % 2 !== 0) this.usageError();
    const devs: NewDevice[] = [];
    for (let i = 0; i < args.length; i += 2) {
      const parsed = parseAddValue(args[i]);
      if (parsed.region === null) {
        process.stderr.write(`WARNING: No region specified for ${args[i]}. Defaulting to region 1.\n`);
      }
      const weight = parseFloatArg(args[i + 1], 'weight');
      if (weight < 0) throw new SwiftlyError('ERR_INVALID_ARGUMENT', `Invalid weight value: ${args[i]}`);
      devs.push({ ...parsed, region: parsed.region ?? 1, weight });
    }
    return devs;
  }

  protected override main(): number {
    if (this.rest.length < 2) this.usageError();
    const b = this.builder;
    if (b.state.nextPartPower) {
      this.finish(EXIT_ERROR, 'Partition power increase in progress. You need ', 'to finish the increase first before adding devices.');
    }
    let devs: NewDevice[];
    try {
      devs = this.parseDevices();
    } catch (err) {
      if (err instanceof SwiftlyError) this.finish(EXIT_ERROR, err.message, 'The on-disk ring builder is unchanged.');
      throw err;
    }
    for (const dev of devs) {
      const clash = b.liveDevs().find((d) => d.ip === dev.ip && d.port === dev.port && d.device === dev.device);
      if (clash) {
        this.finish(EXIT_ERROR, `Device ${clash.id} already uses ${clash.ip}:${clash.port}/${clash.device}.`, 'The on-disk ring builder is unchanged.\n');
      }
      const id = b.addDev(dev);
      this.log(`Device ${formatDevice(b.devs[id]!)} with ${pyFloat(dev.weight)} weight got id ${id}`);
    }
    this.saveBuilder();
    return EXIT_SUCCESS;
  }
}
