import { Args, Command } from '@oclif/core';
import { runImageService } from '../../../compute/index.js';

export default class ComputeImageApi extends Command {
  static override description = 'Run the image API (Glance v2 over the object store, default 127.0.0.1:9292) from a Glance-style config';
  static override args = {
    conf: Args.string({ ignoreStdin: true, description: 'path to the image service config (INI: [DEFAULT] bind_host/bind_port, [database], [auth], [glance_store], [compute])', required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(ComputeImageApi);
    const running = await runImageService(args.conf);
    this.log(`image API: ${running.url}/v2`);
  }
}
