import { Command, Flags } from '@oclif/core';
import { startMetadataForwarder } from '../../../compute/metadata/index.js';

export default class ComputeMetadataForwarder extends Command {
  static override description = 'Forward metadata requests (run inside a guest network\'s namespace at 169.254.169.254:80) to the metadata service\'s unix socket, with X-Forwarded-For set to the guest\'s address';
  static override flags = {
    listen: Flags.string({ description: 'host:port guests reach', default: '169.254.169.254:80' }),
    socket: Flags.string({ description: 'the metadata service\'s unix socket', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ComputeMetadataForwarder);
    const at = flags.listen.lastIndexOf(':');
    const port = Number(flags.listen.slice(at + 1));
    if (at < 0 || !Number.isInteger(port) || port < 0 || port > 65535) this.error(`--listen must be host:port, got ${flags.listen}`);
    const fwd = await startMetadataForwarder({ listen: { host: flags.listen.slice(0, at), port }, socketPath: flags.socket });
    this.log(`metadata forwarder: ${fwd.url} → ${flags.socket}`);
    const stop = () => void fwd.close().then(() => process.exit(0));
    process.once('SIGTERM', stop).once('SIGINT', stop);
  }
}
