/**
 * The bed by hand:
 *
 *   sudo node dist/test/helpers/multihost/cli.js up [hosts]   start a bed, print it, keep it until Ctrl-C
 *   sudo node dist/test/helpers/multihost/cli.js sweep        remove what killed runs left
 *
 * (`npm run multihost -- up 6` does the first.) While it runs, reach it
 * with `ip netns exec <client namespace> curl …`; each host's confs and
 * logs are in the folder it prints.
 */
import { MultiHostBed, sweepStale } from './bed.js';
import { netnsUnavailable } from '../netns.js';

async function main(): Promise<void> {
  const [cmd = 'up', arg] = process.argv.slice(2);
  if (cmd === 'sweep') {
    const gone = await sweepStale();
    process.stdout.write(gone.length ? `removed: ${gone.join(' ')}\n` : 'nothing to remove\n');
    return;
  }
  if (cmd !== 'up') throw new Error(`unknown command ${cmd}: up [hosts] | sweep`);
  const why = await netnsUnavailable(['nft', 'ss']);
  if (why) throw new Error(why);
  const hosts = arg ? Number(arg) : 6;
  const bed = await MultiHostBed.create({ hosts });
  process.stdout.write(`${bed.describe()}\nCtrl-C tears it down.\n`);
  await new Promise<void>((resolve) => {
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await bed.teardown();
  process.stdout.write('torn down\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
