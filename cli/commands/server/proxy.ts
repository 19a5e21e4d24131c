import { Args, Command } from '@oclif/core';
// Not proxy/index.js: that loads the whole proxy; the primary only supervises its workers.
import { runProxyServer } from '../../../proxy/run-proxy.js';

export default class ProxyServer extends Command {
  static override description = 'Run the proxy server (the Swift API) from a Swift-style proxy-server.conf';
  static override args = {
    conf: Args.string({ ignoreStdin: true, description: 'path to proxy-server.conf (or a .conf.d directory)', required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(ProxyServer);
    await runProxyServer(args.conf);
  }
}
