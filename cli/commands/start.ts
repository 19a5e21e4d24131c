import { Args, Command, Flags } from '@oclif/core';
import { startAllInOne, parseBind } from '../cluster/all-in-one.js';

export default class Start extends Command {
  static override description =
    'Run an all-in-one swiftly cluster (proxy + 3 storage nodes, 3 replicas) on a local folder; configs are written on first start';
  static override args = {
    dir: Args.string({ ignoreStdin: true, description: 'data folder (configs in <dir>/etc, devices in <dir>/srv)', default: './data' }),
  };
  static override flags = {
    bind: Flags.string({ description: "proxy's address on first start (host:port)", default: '127.0.0.1:8080' }),
    'with-compute': Flags.boolean({ description: 'also run the compute extension (Nova-style API, scheduler, one worker, and the Glance-style image API)' }),
    'compute-bind': Flags.string({ description: "compute API's address on first start (host:port)", default: '127.0.0.1:8774' }),
    'image-bind': Flags.string({ description: "image API's address on first start (host:port)", default: '127.0.0.1:9292' }),
    encryption: Flags.boolean({ description: 'on first start: encrypt objects at rest (keymaster + encryption in the pipeline, a new root secret in <dir>/etc/keymaster.conf)' }),
    'dashboard-bind': Flags.string({ description: "the web console's address on first start (host:port)", default: '127.0.0.1:8090' }),
    'compute-driver': Flags.string({ description: 'hypervisor driver of the compute worker: fake or libvirt (default: compute.conf, fake)' }),
    'network-namespace': Flags.string({ description: "an existing network namespace (ip netns add) for the guests' networks, bridges, dnsmasq and metadata forwarder (default: compute.conf's network_namespace; empty: this host's own)" }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Start);
    const cluster = await startAllInOne({
      dir: args.dir,
      bind: parseBind(flags.bind),
      onEvent: (msg) => this.logToStderr(msg),
      encryption: flags.encryption,
      dashboard: { bind: parseBind(flags['dashboard-bind']) },
      compute: flags['with-compute'] ? { bind: parseBind(flags['compute-bind']), imageBind: parseBind(flags['image-bind']), driver: flags['compute-driver'], networkNamespace: flags['network-namespace'] } : undefined,
    });
    this.log(`swiftly is running (${cluster.created ? 'new cluster' : 'existing cluster'} in ${cluster.dir})`);
    this.log(`  auth URL: ${cluster.authUrl}`);
    this.log(`  user:     ${cluster.user}`);
    this.log(`  key:      ${cluster.key}`);
    this.log(`  try:      swift -A ${cluster.authUrl} -U ${cluster.user} -K ${cluster.key} stat`);
    if (cluster.dashboardUrl) this.log(`  dashboard: ${cluster.dashboardUrl}  (log in with the user and key above)`);
    if (cluster.s3Url) {
      this.log(`  S3:       ${cluster.s3Url}  (access key ${cluster.user}, secret key ${cluster.key})`);
      this.log(`  try:      AWS_ACCESS_KEY_ID=${cluster.user} AWS_SECRET_ACCESS_KEY=${cluster.key} aws --endpoint-url ${cluster.s3Url} s3 ls`);
    }
    if (cluster.encrypted) this.log(`  encryption at rest: on (root secret in ${cluster.dir}/etc/keymaster.conf: keep a copy, without it nothing reads)`);
    if (cluster.computeUrl) this.log(`  compute:  ${cluster.computeUrl}/v2.1  (X-Auth-Token from the auth URL)`);
    if (cluster.imageUrl) this.log(`  images:   ${cluster.imageUrl}/v2  (X-Auth-Token + X-Project-Id)`);
    const md = cluster.metadata;
    if (md) {
      const guests = md.guestUrl
        ? `guests: ${md.guestUrl} ${md.netns ? `in network namespace ${md.netns}` : 'through this host'}`
        : md.forwarderError ? `guests: none, the forwarder failed: ${md.forwarderError}` : 'guests: none (their networks are not this host\'s)';
      this.log(`  metadata: ${md.socketPath}  (${guests})`);
    }
    // Servers of one process share a port: `6100 compute-api+scheduler+compute+image-api`.
    const byPort = new Map<number, string[]>();
    for (const [name, port] of Object.entries(cluster.metricsPorts)) byPort.set(port, [...(byPort.get(port) ?? []), name]);
    if (byPort.size) {
      this.log(`  metrics:  http://127.0.0.1:<port>/metrics (Prometheus text) on ${[...byPort].map(([port, names]) => `${port} ${names.join('+')}`).join(', ')}`);
    }
    this.log('Press Ctrl-C to stop.');
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    this.log('stopping…');
    await cluster.stop();
  }
}
