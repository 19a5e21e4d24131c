import { EXIT_ERROR, EXIT_SUCCESS, RingBuilderCommand } from '../../ring-builder/command.js';

/** `swift-ring-builder <builder> write_ring` */
export default class RingWriteRing extends RingBuilderCommand {
  static override description = "Write the builder's ring to <name>.ring.gz (and a copy under backups/).";
  static override examples = ['<%= config.bin %> ring write-ring object.builder'];

  protected override usage(): string {
    return 'swift-ring-builder <builder_file> write_ring\n    Just rewrites the distributable ring file.';
  }

  protected override main(): number {
    const b = this.builder;
    if (b.devs.length === 0) this.finish(EXIT_ERROR, 'Unable to write empty ring.');
    if (!b.everRebalanced && b.liveDevs().length > 0) {
      this.log('Warning: Writing a ring with no partition assignments but with devices; did you forget to run "rebalance"?');
    }
    this.writeRing(true);
    return EXIT_SUCCESS;
  }
}
