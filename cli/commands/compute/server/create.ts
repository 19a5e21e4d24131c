import { readFile } from 'node:fs/promises';
import { Args, Command, Flags } from '@oclif/core';
import { clientFrom, computeFlags, guard, networksFrom, serverProperties, waitFlag, waitWithSpinner } from '../../../lib/compute-cli.js';

export default class ServerCreate extends Command {
  static override description = 'Boot a server from an image and a flavor';
  static override args = { name: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = {
    ...computeFlags,
    ...waitFlag,
    image: Flags.string({ description: 'image ID or name', required: true }),
    flavor: Flags.string({ description: 'flavor ID or name', required: true }),
    'availability-zone': Flags.string({ description: 'availability zone' }),
    meta: Flags.string({ description: 'metadata key=value (repeatable)', multiple: true }),
    'config-drive': Flags.string({ description: 'attach a config drive (ISO9660, label config-2): true or false', options: ['true', 'false', 'True', 'False'] }),
    'user-data': Flags.string({ description: 'a file whose contents the guest gets as its user data (sent base64-encoded)' }),
    nic: Flags.string({ description: "a network to attach: net-id=<network ID or label> (repeatable), or 'auto' / 'none'", multiple: true }),
    'key-name': Flags.string({ description: 'key pair to put into the server' }),
    'security-group': Flags.string({ description: 'security group name (repeatable; default: default)', multiple: true }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ServerCreate);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const metadata = Object.fromEntries((flags.meta ?? []).map((m) => {
        const at = m.indexOf('=');
        return at < 0 ? [m, ''] : [m.slice(0, at), m.slice(at + 1)];
      }));
      const server: Record<string, unknown> = {
        name: args.name, imageRef: await client.findImage(flags.image), flavorRef: (await client.findFlavor(flags.flavor)).id, metadata,
      };
      if (flags['availability-zone']) server.availability_zone = flags['availability-zone'];
      if (flags['config-drive'] !== undefined) server.config_drive = flags['config-drive'].toLowerCase() === 'true';
      if (flags['user-data'] !== undefined) server.user_data = (await readFile(flags['user-data'])).toString('base64');
      if (flags.nic) server.networks = await networksFrom(client, flags.nic);
      if (flags['key-name']) server.key_name = flags['key-name'];
      if (flags['security-group']) server.security_groups = flags['security-group'].map((name) => ({ name }));
      const created = (await client.request('POST', '/servers', { server })).body.server;
      const shown = flags.wait
        ? await waitWithSpinner(client, created.id, ['ACTIVE'], 'Building server')
        : (await client.request('GET', `/servers/${created.id}`)).body.server;
      this.log(serverProperties({ ...shown, adminPass: created.adminPass }));
    });
  }
}
