/**
 * `node dist/bench/report/profile-top.js <file.cpuprofile> [N]`: the N
 * functions with the most self time in a V8 CPU profile (from
 * `npm run bench -- --cpu-prof <dir>`), to see where a server spends it.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

const [file, n = '25'] = process.argv.slice(2);
const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const total = prof.samples.length;
const usPerSample = (prof.endTime - prof.startTime) / Math.max(1, total);
const self = new Map<string, number>();
for (const node of prof.nodes) {
  const f = node.callFrame;
  const where = f.url ? `${f.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : '';
  const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
  self.set(key, (self.get(key) ?? 0) + (node.hitCount ?? 0));
}
console.log(`${file}: ${total} samples, ${((total * usPerSample) / 1e6).toFixed(1)} s`);
for (const [key, hits] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) {
  console.log(`${((100 * hits) / total).toFixed(1).padStart(5)}%  ${key}`);
}
