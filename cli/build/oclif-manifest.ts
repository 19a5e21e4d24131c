/**
 * Writes oclif.manifest.json at the package root (`npm run build` runs it).
 * Without a manifest oclif imports every command file, and with them every
 * part of swiftly, to learn the command list: a second of CPU on each
 * `swiftly …` and `swift-ring-builder …` call. With one, only the command
 * run is imported. This is what oclif's own `oclif manifest` does; that tool
 * (the `oclif` package) is not a dependency, @oclif/core's Plugin is enough.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Plugin } from '@oclif/core';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const plugin = new Plugin({ root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true });
await plugin.load();
writeFileSync(join(root, 'oclif.manifest.json'), JSON.stringify(plugin.manifest));
