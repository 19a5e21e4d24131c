import { Args, Command } from '@oclif/core';
import { runComputeService } from '../../../compute/index.js';

export default class ComputeCompute extends Command {
  static override description = 'Run a compute worker (compute manager + hypervisor driver) from a Nova-style compute.conf';
  static override args = {
    conf: Args.string({ ignoreStdin: true, description: 'path to the compute config (INI)', required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(ComputeCompute);
    const running = await runComputeService('compute', args.conf);
    if (running.apiUrl) this.log(`compute API: ${running.apiUrl}/v2.1`);
  }
}
