import { Args, Command, Flags } from '@oclif/core';
import { loadSwiftConf } from '../../common/index.js';
import { Ring } from '../../ring/index.js';
import { reconHosts, runCheck, type ReconCheck } from '../../consistency/index.js';

export default class ReconCommand extends Command {
  static override description = "Summarise a cluster's recon answers (Swift's swift-recon)";
  static override examples = ['<%= config.bin %> recon object -r -a -q', '<%= config.bin %> recon container --all --swiftdir /etc/swift'];
  static override args = {
    server: Args.string({ ignoreStdin: true, description: 'server type', options: ['object', 'container', 'account'], default: 'object' }),
  };
  static override flags = {
    replication: Flags.boolean({ char: 'r', description: 'replication stats' }),
    async: Flags.boolean({ char: 'a', description: 'async pendings' }),
    quarantined: Flags.boolean({ char: 'q', description: 'quarantined counts' }),
    diskusage: Flags.boolean({ char: 'd', description: 'disk usage' }),
    loadstats: Flags.boolean({ char: 'l', description: 'load averages' }),
    unmounted: Flags.boolean({ char: 'u', description: 'unmounted devices' }),
    auditor: Flags.boolean({ description: 'auditor stats' }),
    updater: Flags.boolean({ description: 'updater stats' }),
    expirer: Flags.boolean({ description: 'expirer stats' }),
    md5: Flags.boolean({ description: 'ring md5s against the local rings' }),
    time: Flags.boolean({ char: 'T', description: 'clock drift' }),
    all: Flags.boolean({ description: 'every check' }),
    zone: Flags.integer({ char: 'z', description: 'only this zone' }),
    region: Flags.integer({ description: 'only this region' }),
    timeout: Flags.integer({ char: 't', description: 'seconds per host', default: 5 }),
    swiftdir: Flags.string({ description: 'where swift.conf and the rings are', default: '/etc/swift' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ReconCommand);
    const server = args.server as 'object' | 'container' | 'account';
    const swiftConf = loadSwiftConf(flags.swiftdir);
    const ring = new Ring(flags.swiftdir, { ringName: server, hashPath: swiftConf.hashPath });
    const hosts = reconHosts(ring, { zone: flags.zone, region: flags.region });
    const wanted: [boolean, ReconCheck, string][] = [
      [flags.async, 'async', 'async pendings'], [flags.unmounted, 'unmounted', 'unmounted drives'],
      [flags.replication, 'replication', 'on replication'], [flags.auditor, 'auditor', 'auditor stats'],
      [flags.updater, 'updater', 'updater times'], [flags.expirer, 'expirer', 'expirer stats'],
      [flags.loadstats, 'load', 'load averages'], [flags.quarantined, 'quarantined', 'quarantine'],
      [flags.diskusage, 'diskusage', 'disk usage now'], [flags.md5, 'md5', 'ring md5sums'], [flags.time, 'time', 'time-sync'],
    ];
    const checks = wanted.filter(([on, check]) => (on || flags.all) &&
      !(server !== 'object' && ['async', 'auditor', 'expirer'].includes(check)));
    const rule = '='.repeat(79);
    this.log(`${rule}\n--> Starting reconnaissance on ${hosts.length} hosts (${server})\n${rule}`);
    if (checks.length === 0) this.log('Nothing to check: pick at least one check (-r, -a, -q, -d, -l, -u, --md5, -T) or --all');
    for (const [, check, label] of checks) {
      this.log(`[${new Date().toISOString().replace('T', ' ').slice(0, 19)}] Checking ${label}`);
      const lines = await runCheck(check, server, hosts, {
        swiftDir: flags.swiftdir, timeout: flags.timeout,
        onProgress: (done, total) => {
          if (process.stderr.isTTY) process.stderr.write(`\r  polled ${done}/${total} hosts${done === total ? '\n' : ''}`);
        },
      });
      for (const line of lines) this.log(line);
      this.log(rule);
    }
  }
}
