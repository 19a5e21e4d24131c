import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class SecurityGroupRuleDelete extends Command {
  static override description = 'Delete a security group rule (by its ID)';
  static override args = { rule: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(SecurityGroupRuleDelete);
    await guard(this, async () => {
      await (await clientFrom(this, flags)).request('DELETE', `/os-security-group-rules/${encodeURIComponent(args.rule)}`);
      this.log(`Rule ${args.rule} deleted`);
    });
  }
}
