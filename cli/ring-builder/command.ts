/**
 * The base of the `swiftly ring …` builder commands: Swift's file naming
 * (`x`, `x.builder`, `x.ring.gz`), loading and saving the builder with
 * backups, Swift's exit codes, and its yes/no question.
 */
import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Args, Command } from '@oclif/core';
import { SwiftlyError } from '../../common/core.js';
import { loadBuilder, saveBuilder, writeRingFile, type RingBuilder } from '../../ring/index.js';
import { formatDevice } from './format.js';

export const EXIT_SUCCESS = 0;
export const EXIT_WARNING = 1;
export const EXIT_ERROR = 2;

/** Swift's `parse_builder_ring_filename_args`. */
export function builderAndRingFiles(arg: string): { builderFile: string; ringFile: string } {
  if (arg.endsWith('.ring.gz')) return { builderFile: `${arg.slice(0, -'.ring.gz'.length)}.builder`, ringFile: arg };
  const stem = arg.endsWith('.builder') ? arg.slice(0, -'.builder'.length) : arg;
  return { builderFile: arg, ringFile: `${stem}.ring.gz` };
}

/** Thrown to end a command with an exit status after its output is printed. */
class Done extends Error {
  constructor(readonly status: number) {
    super(`exit ${status}`);
  }
}

export abstract class RingBuilderCommand extends Command {
  static override strict = false;
  static override args = {
    builder: Args.string({ ignoreStdin: true, required: true, description: 'builder file (or its .ring.gz)' }),
  };

  protected builderFile = '';
  protected ringFile = '';
  /** The arguments after the builder file. */
  protected rest: string[] = [];
  private loaded: RingBuilder | null = null;

  /** The command's work; return the exit status. */
  protected abstract main(): Promise<number> | number;

  /** Whether a missing builder file is fine (create). */
  protected allowMissingBuilder = false;

  async run(): Promise<void> {
    const [file, ...rest] = this.argv;
    if (file === undefined) {
      this.log(this.usage());
      this.exit(EXIT_ERROR);
    }
    ({ builderFile: this.builderFile, ringFile: this.ringFile } = builderAndRingFiles(file));
    this.rest = rest;
    let status: number;
    try {
      if (this.builderFile !== file && this.announceBuilderFile()) {
        this.log(`Note: using ${this.builderFile} instead of ${file} as builder file`);
      }
      status = await this.main();
    } catch (err) {
      if (err instanceof Done) status = err.status;
      else if (err instanceof SwiftlyError) {
        this.log(err.message);
        status = EXIT_ERROR;
      } else throw err;
    }
    if (status !== EXIT_SUCCESS) this.exit(status);
  }

  /** Whether to print Swift's "Note: using … as builder file". */
  protected announceBuilderFile(): boolean {
    return true;
  }

  /** Usage text printed on bad arguments. */
  protected abstract usage(): string;

  /** Prints `lines` and ends the command with `status`. */
  protected finish(status: number, ...lines: string[]): never {
    for (const line of lines) this.log(line);
    throw new Done(status);
  }

  protected usageError(...extra: string[]): never {
    this.finish(EXIT_ERROR, this.usage(), ...extra);
  }

  /** The builder, loaded once; exits 2 with Swift's message when it can't be. */
  protected get builder(): RingBuilder {
    if (!this.loaded) {
      try {
        this.loaded = loadBuilder(this.builderFile);
      } catch (err) {
        if (err instanceof SwiftlyError) this.finish(EXIT_ERROR, err.message);
        throw err;
      }
    }
    return this.loaded;
  }

  protected set builder(b: RingBuilder) {
    this.loaded = b;
  }

  protected get backupDir(): string {
    const dir = join(dirname(this.builderFile), 'backups');
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  protected backupName(file: string, ts = Date.now() / 1000): string {
    return join(this.backupDir, `${Math.trunc(ts)}.${basename(file)}`);
  }

  protected saveBuilder(withBackup = false, ts?: number): void {
    if (withBackup) saveBuilder(this.builder, this.backupName(this.builderFile, ts));
    saveBuilder(this.builder, this.builderFile);
  }

  protected writeRing(withBackup = true, ts?: number): void {
    const ring = this.builder.getRing();
    if (withBackup) writeRingFile(this.backupName(this.ringFile, ts), ring);
    writeRingFile(this.ringFile, ring);
  }

  /** Swift's `check_devs`: none matched is an error; several need a yes. */
  protected async checkDevs(devs: { id: number }[], question: string, yes: boolean, abort: string): Promise<void> {
    if (devs.length === 0) {
      this.finish(EXIT_ERROR, 'Search value matched 0 devices.\nThe on-disk ring builder is unchanged.');
    }
    if (devs.length > 1) {
      this.log('Matched more than one device:');
      for (const d of devs) this.log(`    ${formatDevice(this.builder.devs[d.id]!)}`);
      if (!yes && (await this.ask(question)) !== 'y') this.finish(EXIT_ERROR, abort);
    }
  }

  private async ask(question: string): Promise<string> {
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: false });
    try {
      process.stdout.write(question);
      const answer = await Promise.race([
        rl.question(''),
        new Promise<string>((resolve) => rl.once('close', () => resolve(''))),
      ]);
      return answer.trim();
    } finally {
      rl.close();
    }
  }
}
