import { parseChangeValue, type BuilderDevice, type ChangeValues } from '../../../ring/index.js';
import { EXIT_ERROR } from '../../ring-builder/command.js';
import { formatDevice } from '../../ring-builder/format.js';
import { changeValuesFromOpts, type DeviceOptions } from '../../ring-builder/options.js';
import { SetDevicesCommand } from '../../ring-builder/set-devices-command.js';

/** `swift-ring-builder <builder> set_info <search-value> <ip>:<port>[R<r_ip>:<r_port>]/<device>_<meta> … [--yes]` */
export default class RingSetInfo extends SetDevicesCommand<ChangeValues> {
  static override description = "Change the matching devices' ip, port, replication ip/port, device name or meta (no rebalance needed; write_ring).";
  static override examples = ['<%= config.bin %> ring set-info object.builder d3 10.0.0.9:6200/sdd', '<%= config.bin %> ring set-info object.builder d74 _"snet: 5.6.7.8"'];

  protected override usage(): string {
    return 'swift-ring-builder <builder_file> set_info\n' +
      '    <search-value> <ip>:<port>[R<r_ip>:<r_port>]/<device_name>_<meta>\n' +
      '    [<search-value> <ip>:<port>[R<r_ip>:<r_port>]/<device_name>_<meta>] ... [--yes]\n\nor\n\n' +
      'swift-ring-builder <builder_file> set_info\n' +
      '    --ip <ip or hostname> --port <port> --replication-ip <r_ip or r_hostname> --replication-port <r_port>\n' +
      '    --device <device_name> --meta <meta>\n' +
      '    --change-ip <ip or hostname> --change-port <port>\n' +
      '    --change-replication-ip <r_ip or r_hostname> --change-replication-port <r_port>\n' +
      '    --change-device <device_name> --change-meta <meta> [--yes]';
  }

  protected override readonly flagFormArgs = undefined;

  protected override parseValue(arg: string): ChangeValues {
    return parseChangeValue(arg);
  }

  protected override flagValue(opts: DeviceOptions): ChangeValues {
    return changeValuesFromOpts(opts);
  }

  protected override async apply(devs: BuilderDevice[], change: ChangeValues, yes: boolean): Promise<void> {
    await this.checkDevs(devs, `Are you sure you want to update the info for these ${devs.length} devices? (y/N) `, yes, 'Aborting device modifications');
    for (const dev of devs) {
      const before = formatDevice(dev);
      const next = { ...dev, ...change };
      const clash = this.builder.liveDevs().find((d) => d.id !== dev.id && d.ip === next.ip && d.port === next.port && d.device === next.device);
      if (clash) this.finish(EXIT_ERROR, `Device ${clash.id} already uses ${clash.ip}:${clash.port}/${clash.device}.`);
      this.builder.setDevInfo(dev.id, change);
      this.log(`Device ${before} is now ${formatDevice(dev)}`);
    }
  }
}
