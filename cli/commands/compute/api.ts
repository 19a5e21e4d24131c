import { Args, Command } from '@oclif/core';
import { runComputeService } from '../../../compute/index.js';

export default class ComputeApi extends Command {
  static override description = 'Run the compute API (Nova v2.1, default 127.0.0.1:8774) from a Nova-style compute.conf';
  static override args = {
    conf: Args.string({ ignoreStdin: true, description: 'path to the compute config (INI)', required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(ComputeApi);
    const running = await runComputeService('api', args.conf);
    if (running.apiUrl) this.log(`compute API: ${running.apiUrl}/v2.1`);
  }
}
