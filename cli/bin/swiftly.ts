#!/usr/bin/env node
/** The `swiftly` command: oclif finds the commands under cli/commands (servers start without it, see server-fast-path.ts). */
import { runServerFastPath } from '../lib/server-fast-path.js';

if (!(await runServerFastPath(process.argv.slice(2)))) {
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}
