import { Args, Command, Flags } from '@oclif/core';
import { createLogger } from '../../common/index.js';
import { dashboardConfigFrom, readDashboardConfig, startDashboard } from '../../dashboard/index.js';
import { parseBind } from '../cluster/all-in-one.js';

export default class DashboardCommand extends Command {
  static override description = 'Run the web console (object browser and more) from a dashboard.conf, or against --proxy-url';
  static override examples = [
    '<%= config.bin %> dashboard ./data/etc/dashboard.conf',
    '<%= config.bin %> dashboard --proxy-url http://127.0.0.1:8080 --bind 127.0.0.1:8090',
  ];
  static override args = {
    conf: Args.string({ ignoreStdin: true, description: 'path to dashboard.conf ([dashboard] section)' }),
  };
  static override flags = {
    bind: Flags.string({ description: 'address to listen on (host:port), over the conf' }),
    'proxy-url': Flags.string({ description: "the proxy's URL, over the conf" }),
    'compute-url': Flags.string({ description: "the compute API's URL, over the conf" }),
    'image-url': Flags.string({ description: "the image API's URL, over the conf" }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DashboardCommand);
    if (!args.conf && !flags['proxy-url']) this.error('give a dashboard.conf or --proxy-url');
    const config = args.conf ? readDashboardConfig(args.conf) : dashboardConfigFrom({ proxy_url: flags['proxy-url']! });
    if (flags['proxy-url']) config.proxyUrl = config.publicProxyUrl = flags['proxy-url'].replace(/\/+$/, '');
    if (flags['compute-url']) config.computeUrl = flags['compute-url'].replace(/\/+$/, '');
    if (flags['image-url']) config.imageUrl = flags['image-url'].replace(/\/+$/, '');
    if (flags.bind) {
      const bind = parseBind(flags.bind);
      config.bindIp = bind.host;
      config.bindPort = bind.port;
    }
    const logger = createLogger({ name: 'swiftly-dashboard', level: config.logLevel });
    const dashboard = await startDashboard(config, { logger });
    logger.info({ url: dashboard.url }, 'dashboard listening');
    this.log(`dashboard: ${dashboard.url}`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await dashboard.close();
  }
}
