#!/usr/bin/env node
/**
 * `swift-ring-builder <builder_file> <command> …`: Swift's positional syntax
 * mapped onto `swiftly ring <command> <builder_file> …` (and a bare
 * `swift-ring-builder <builder_file>` onto `swiftly ring show`).
 */
import { existsSync } from 'node:fs';

/** Swift's command names → our oclif command ids. */
const COMMANDS: Record<string, string> = {
  create: 'ring:create',
  add: 'ring:add',
  remove: 'ring:remove',
  set_weight: 'ring:set-weight',
  set_region: 'ring:set-region',
  set_zone: 'ring:set-zone',
  set_info: 'ring:set-info',
  set_overload: 'ring:set-overload',
  set_replicas: 'ring:set-replicas',
  set_min_part_hours: 'ring:set-min-part-hours',
  pretend_min_part_hours_passed: 'ring:pretend-min-part-hours-passed',
  rebalance: 'ring:rebalance',
  write_ring: 'ring:write-ring',
  validate: 'ring:validate',
  list_parts: 'ring:list-parts',
  search: 'ring:search',
  dispersion: 'ring:dispersion',
};

const USAGE = `swift-ring-builder (swiftly)

swift-ring-builder <builder_file>
    Shows information about the ring and the devices within.
swift-ring-builder <ring_file>
    Shows the devices and partition counts of a ring file.

swift-ring-builder <builder_file> <command> [arguments]
    Run "swiftly ring <command> --help" for a command's arguments.

Quick list: ${Object.keys(COMMANDS).sort().join(' ')}
Exit codes: 0 = operation successful
            1 = operation completed with warnings
            2 = error`;

const [file, command, ...rest] = process.argv.slice(2);
if (file === undefined) {
  console.log(USAGE);
  process.exit(0);
}
// As in swiftly.ts: @oclif/core's own node check, before oclif is loaded (so the imports below are dynamic).
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= 'true';
const { builderAndRingFiles } = await import('../ring-builder/command.js');
const { execute } = await import('@oclif/core');
if (command !== undefined && !(command in COMMANDS)) {
  // Swift reads the builder before it looks at the command.
  const { builderFile } = builderAndRingFiles(file);
  if (builderFile !== file) console.log(`Note: using ${builderFile} instead of ${file} as builder file`);
  console.log(existsSync(builderFile) ? `Unknown command: ${command}` : `Ring Builder file does not exist: ${builderFile}`);
  process.exit(2);
}
await execute({ dir: import.meta.url, args: [command === undefined ? 'ring:show' : COMMANDS[command], file, ...rest] });
