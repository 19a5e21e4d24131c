import { basename } from 'node:path';
import { Args, Command, Flags } from '@oclif/core';
import { hashPath, loadSwiftConf, SwiftlyError, type HashPathSecrets } from '../../../common/core.js';
import { Ring, type RingNode } from '../../../ring/index.js';

/** `swift-get-nodes`: where an account, container or object lives. */
export default class RingGetNodes extends Command {
  static override description =
    'Show the nodes responsible for an account, container or object (like swift-get-nodes): partition, primaries, handoffs.';

  static override examples = [
    '<%= config.bin %> ring get-nodes /etc/swift/object.ring.gz AUTH_test photos cat.jpg',
    '<%= config.bin %> ring get-nodes /etc/swift/object.ring.gz AUTH_test/photos/cat.jpg --json --all',
    '<%= config.bin %> ring get-nodes /etc/swift/container.ring.gz --partition 42',
  ];

  static override args = {
    ring: Args.string({ ignoreStdin: true, required: true, description: 'ring file (.ring.gz)' }),
    account: Args.string({ ignoreStdin: true, description: 'account, or account/container/object in one argument' }),
    container: Args.string({ ignoreStdin: true, description: 'container' }),
    object: Args.string({ ignoreStdin: true, description: 'object' }),
  };

  static override flags = {
    json: Flags.boolean({ description: 'print {"partition", "primaries", "handoffs"} as JSON' }),
    all: Flags.boolean({ char: 'a', description: 'all handoff nodes (default: as many handoffs as primaries)' }),
    partition: Flags.integer({ char: 'p', description: 'show the nodes of this partition', min: 0 }),
    'swift-dir': Flags.string({ char: 'd', default: '/etc/swift', description: 'directory holding swift.conf (hash path prefix/suffix)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RingGetNodes);
    let { account, container, object } = args;
    if (account !== undefined && container === undefined && account.includes('/')) {
      // Like swift-get-nodes: "a/c/o" as one argument; the object keeps its slashes.
      const [a, c, ...o] = account.replace(/^\//, '').split('/');
      [account, container, object] = [a, c || undefined, o.length ? o.join('/') : undefined];
    }
    if (account === undefined && flags.partition === undefined) this.error('give an account (and container, object) or --partition', { exit: 2 });

    let ring: Ring;
    let secrets: HashPathSecrets;
    try {
      secrets = loadSwiftConf(flags['swift-dir']).hashPath;
      ring = new Ring(args.ring, { hashPath: secrets });
    } catch (err) {
      if (err instanceof SwiftlyError) this.error(err.message, { exit: 1 });
      throw err;
    }
    if (flags.partition !== undefined && flags.partition >= ring.partCount) {
      this.error(`partition ${flags.partition} is out of range (the ring has ${ring.partCount})`, { exit: 2 });
    }
    let partition: number;
    try {
      partition = flags.partition ?? ring.getPart(account!, container, object);
    } catch (err) {
      if (err instanceof SwiftlyError) this.error(err.message, { exit: 2 });
      throw err;
    }
    const primaries = ring.getPartNodes(partition);
    const handoffs: RingNode[] = [];
    for (const node of ring.moreNodes(partition)) {
      if (!flags.all && handoffs.length >= primaries.length) break;
      handoffs.push(node);
    }

    if (flags.json) {
      this.log(JSON.stringify({ partition, primaries, handoffs }, null, 2));
      return;
    }
    const hash = account !== undefined && flags.partition === undefined ? hashPath(secrets, account, container, object) : undefined;
    const target = [account, container, object].filter((x) => x !== undefined).join('/');
    const datadir = basename(args.ring).replace(/\.ring\.gz$/, '').replace(/^(account|container|object)/, '$1s');
    const lines: string[] = [];
    if (account !== undefined) {
      lines.push(`Account  \t${account}`, `Container\t${container ?? 'None'}`, `Object   \t${object ?? 'None'}`, '');
    }
    lines.push(`Partition\t${partition}`, `Hash     \t${hash ?? 'None'}`, '');
    const tag = (handoff: boolean): string => (handoff ? ' # [Handoff]' : '');
    const all = [...primaries.map((n) => [n, false] as const), ...handoffs.map((n) => [n, true] as const)];
    for (const [n, h] of all) lines.push(`Server:Port Device\t${n.ip}:${n.port} ${n.device}${h ? '\t [Handoff]' : ''}`);
    lines.push('', '');
    if (target) {
      const path = encodeURI(target);
      for (const [n, h] of all) lines.push(`curl -g -I -XHEAD "http://${n.ip}:${n.port}/${n.device}/${partition}/${path}" --path-as-is${tag(h)}`);
      lines.push('', '');
    }
    lines.push('Use your own device location of servers:', 'such as "export DEVICE=/srv/node"');
    const where = hash ? `${datadir}/${partition}/${hash.slice(-3)}/${hash}` : `${datadir}/${partition}`;
    for (const [n, h] of all) lines.push(`ssh ${n.ip} "ls -lah \${DEVICE:-/srv/node*}/${n.device}/${where}"${tag(h)}`);
    this.log(lines.join('\n'));
  }
}
