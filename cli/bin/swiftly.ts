#!/usr/bin/env node
/** The `swiftly` command: oclif finds the commands under cli/commands (servers start without it, see server-fast-path.ts). */
import { runServerFastPath } from '../lib/server-fast-path.js';

if (!(await runServerFastPath(process.argv.slice(2)))) {
  // oclif checks node against @oclif/core's own engines (>=18) with semver, 47 modules loaded on every call;
  // ours (package.json, >=20.18.1) is stricter and npm checks it at install.
  process.env.OCLIF_DISABLE_ENGINE_WARNING ??= 'true';
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}
