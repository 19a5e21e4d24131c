import { EXIT_SUCCESS, RingBuilderCommand } from '../../ring-builder/command.js';

/** `swift-ring-builder <builder> validate` */
export default class RingValidate extends RingBuilderCommand {
  static override description = "Run the builder's consistency checks (exit 2 with the problem when one fails).";
  static override examples = ['<%= config.bin %> ring validate object.builder'];

  protected override usage(): string {
    return 'swift-ring-builder <builder_file> validate\n    Just runs the validation routines on the ring.';
  }

  protected override main(): number {
    this.builder.validate();
    return EXIT_SUCCESS;
  }
}
