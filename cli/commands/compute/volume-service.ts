import { Args, Command } from '@oclif/core';
import { runComputeService } from '../../../compute/index.js';

export default class ComputeVolumeService extends Command {
  static override description = 'Run a volume service (volume manager on RPC topic volume, files under [volume] volumes_dir) from a Nova-style compute.conf';
  static override args = {
    conf: Args.string({ ignoreStdin: true, description: 'path to the compute config (INI)', required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(ComputeVolumeService);
    await runComputeService('volume', args.conf);
  }
}
