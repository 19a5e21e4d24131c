import { Command, Flags } from '@oclif/core';
import { formatTable } from '../../../../compute/client.js';
import { clientFrom, computeFlags, formatAddresses, guard } from '../../../lib/compute-cli.js';

export default class ServerList extends Command {
  static override description = 'List servers';
  static override flags = {
    ...computeFlags,
    name: Flags.string({ description: 'name (a regular expression, as Nova matches it)' }),
    status: Flags.string({ description: 'status (ACTIVE, SHUTOFF, ERROR, …)' }),
    'all-tenants': Flags.boolean({ description: 'every project (admin)', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ServerList);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const q = new URLSearchParams();
      if (flags.name) q.set('name', flags.name);
      if (flags.status) q.set('status', flags.status);
      if (flags['all-tenants']) q.set('all_tenants', '1');
      const servers = (await client.request('GET', `/servers/detail${q.size ? `?${q}` : ''}`)).body.servers as Record<string, any>[];
      this.log(formatTable(
        ['ID', 'Name', 'Status', 'Task State', 'Power State', 'Networks', 'Flavor', 'Image'],
        servers.map((s) => [s.id, s.name, s.status, s['OS-EXT-STS:task_state'], ['NOSTATE', 'Running', '', 'Paused', 'Shutdown', '', 'Crashed', 'Suspended'][s['OS-EXT-STS:power_state']] ?? '-', formatAddresses(s.addresses), s.flavor?.id, s.image?.id]),
      ));
    });
  }
}
