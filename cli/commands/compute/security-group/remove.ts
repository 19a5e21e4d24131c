import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class SecurityGroupRemove extends Command {
  static override description = 'Take a server out of a security group';
  static override args = {
    server: Args.string({ ignoreStdin: true, required: true, description: 'server ID or name' }),
    group: Args.string({ ignoreStdin: true, required: true, description: 'security group name' }),
  };
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(SecurityGroupRemove);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const s = await client.findServer(args.server);
      await client.action(s.id, { removeSecurityGroup: { name: args.group } });
      this.log(`Server ${s.id} removed from security group ${args.group}`);
    });
  }
}
