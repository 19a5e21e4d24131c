#!/usr/bin/env node
/** The `swiftly` command: oclif finds the commands under cli/commands. */
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
