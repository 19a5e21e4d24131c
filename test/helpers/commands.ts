/** Which of the commands a test runs this machine lacks (`command -v`), so the test can skip saying so. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** `<the first missing command> is not installed`, or undefined when all are there. */
export async function commandMissing(commands: string[]): Promise<string | undefined> {
  for (const c of commands) {
    if (!/^[A-Za-z0-9_.+-]+$/.test(c)) throw new RangeError(`not a command name: ${c}`);
    try {
      await exec('sh', ['-c', `command -v ${c}`]);
    } catch {
      return `${c} is not installed`;
    }
  }
  return undefined;
}
