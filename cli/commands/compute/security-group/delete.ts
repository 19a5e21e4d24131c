import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class SecurityGroupDelete extends Command {
  static override description = 'Delete a security group (not default, not while a server is in it)';
  static override args = { group: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(SecurityGroupDelete);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const g = await client.findIn('os-security-groups', args.group);
      await client.request('DELETE', `/os-security-groups/${encodeURIComponent(g.id)}`);
      this.log(`Security group ${g.id} (${g.name}) deleted`);
    });
  }
}
