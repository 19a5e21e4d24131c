import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class SecurityGroupAdd extends Command {
  static override description = 'Put a server into a security group';
  static override args = {
    server: Args.string({ ignoreStdin: true, required: true, description: 'server ID or name' }),
    group: Args.string({ ignoreStdin: true, required: true, description: 'security group name' }),
  };
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(SecurityGroupAdd);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const s = await client.findServer(args.server);
      await client.action(s.id, { addSecurityGroup: { name: args.group } });
      this.log(`Server ${s.id} added to security group ${args.group}`);
    });
  }
}
