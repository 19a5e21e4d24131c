/**
 * A hand-written SVG bar chart of the swiftly/Swift throughput ratios per
 * workload (log scale, whiskers for min–max over rounds, a line at 1×).
 */
import type { Row } from './stats.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function ratioChart(rows: Row[], title: string): string {
  const withRatio = rows.filter((r) => r.ratio && Number.isFinite(r.ratio.median));
  const barH = 22;
  const left = 190;
  const width = 720;
  const plotW = width - left - 70;
  const top = 40;
  const height = top + withRatio.length * barH + 40;
  const maxR = Math.max(4, ...withRatio.map((r) => r.ratio!.max));
  const minR = Math.min(0.25, ...withRatio.map((r) => r.ratio!.min));
  const lo = Math.log(minR);
  const hi = Math.log(maxR * 1.1);
  const x = (v: number): number => left + ((Math.log(v) - lo) / (hi - lo)) * plotW;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  ];
  for (const tick of [0.25, 0.5, 1, 2, 4, 8, 16, 32].filter((t) => t >= minR && t <= maxR * 1.1)) {
    parts.push(`<line x1="${x(tick)}" y1="${top - 5}" x2="${x(tick)}" y2="${height - 30}" stroke="${tick === 1 ? '#000' : '#ddd'}"/>`);
    parts.push(`<text x="${x(tick)}" y="${height - 15}" text-anchor="middle">${tick}×</text>`);
  }
  withRatio.forEach((r, i) => {
    const y = top + i * barH;
    const { median, min, max } = r.ratio!;
    const x1 = x(Math.min(1, median));
    const x2 = x(Math.max(1, median));
    const color = median >= 1 ? '#3a7d44' : '#b5443b';
    parts.push(`<text x="${left - 8}" y="${y + barH / 2 + 4}" text-anchor="end">${esc(r.workload)}</text>`);
    parts.push(`<rect x="${x1}" y="${y + 4}" width="${Math.max(1, x2 - x1)}" height="${barH - 8}" fill="${color}"/>`);
    parts.push(`<line x1="${x(min)}" y1="${y + barH / 2}" x2="${x(max)}" y2="${y + barH / 2}" stroke="#333"/>`);
    parts.push(`<text x="${x(Math.max(1, max)) + 6}" y="${y + barH / 2 + 4}">${median.toFixed(2)}×</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
