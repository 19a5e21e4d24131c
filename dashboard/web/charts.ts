/**
 * Hand-made SVG charts (no library: a bar list and a line chart are a few
 * dozen lines, and the CSP allows SVG built with createElementNS). Each
 * chart has a <title> and an aria-label; the numbers it draws are also in
 * the page's tables, for screen readers.
 */
const NS = 'http://www.w3.org/2000/svg';

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function frame(label: string, width: number, height: number): SVGSVGElement {
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': label, class: 'chart' });
  svg.append(el('title', {}, label));
  return svg;
}

export interface Bar {
  label: string;
  /** 0..1 */
  fraction: number;
  text: string;
  warn?: boolean;
}

/** Horizontal bars, one a row (e.g. disk usage per device). */
export function barChart(label: string, bars: readonly Bar[]): SVGSVGElement {
  const row = 22;
  const labelWidth = 220;
  const barWidth = 360;
  const width = labelWidth + barWidth + 110;
  const svg = frame(label, width, Math.max(row, bars.length * row) + 4);
  bars.forEach((b, i) => {
    const y = i * row + 2;
    svg.append(el('text', { x: 0, y: y + 15, class: 'chart-label' }, b.label));
    svg.append(el('rect', { x: labelWidth, y, width: barWidth, height: row - 6, class: 'chart-track' }));
    svg.append(el('rect', { x: labelWidth, y, width: Math.max(0, Math.min(1, b.fraction)) * barWidth, height: row - 6, class: b.warn ? 'chart-bar warn' : 'chart-bar' }));
    svg.append(el('text', { x: labelWidth + barWidth + 8, y: y + 15, class: 'chart-label' }, b.text));
  });
  return svg;
}

export interface Line {
  name: string;
  points: readonly { t: number; v: number }[];
}

const COLORS = ['#1f5fbf', '#b3261e', '#1e7d32', '#8a4baf', '#c26a00', '#00838f', '#5d4037', '#546e7a', '#ad1457', '#2e7d32', '#283593', '#6d4c41'];

/** Lines over time (the last `spanMs`, ending now), with a legend and the y axis's top value. */
export function lineChart(label: string, lines: readonly Line[], options: { spanMs: number; now: number; unit: string; format?: (v: number) => string }): Element {
  const width = 640;
  const height = 180;
  const left = 56;
  const bottom = 20;
  const fmt = options.format ?? ((v: number) => v.toFixed(1));
  const max = Math.max(0, ...lines.flatMap((l) => l.points.map((p) => p.v)));
  const top = max > 0 ? max * 1.1 : 1;
  const svg = frame(label, width, height);
  const x = (t: number): number => left + ((t - (options.now - options.spanMs)) / options.spanMs) * (width - left - 4);
  const y = (v: number): number => 4 + (1 - v / top) * (height - bottom - 8);
  svg.append(el('line', { x1: left, y1: y(0), x2: width - 4, y2: y(0), class: 'chart-axis' }));
  svg.append(el('line', { x1: left, y1: 4, x2: left, y2: y(0), class: 'chart-axis' }));
  svg.append(el('text', { x: left - 4, y: 14, class: 'chart-label end' }, fmt(top)));
  svg.append(el('text', { x: left - 4, y: y(0), class: 'chart-label end' }, '0'));
  svg.append(el('text', { x: left, y: height - 4, class: 'chart-label' }, `-${Math.round(options.spanMs / 60000)} min`));
  svg.append(el('text', { x: width - 4, y: height - 4, class: 'chart-label end' }, `now (${options.unit})`));
  lines.forEach((line, i) => {
    if (line.points.length === 0) return;
    const d = line.points.map((p, j) => `${j ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
    const path = el('path', { d, fill: 'none', stroke: COLORS[i % COLORS.length], 'stroke-width': 1.5 });
    path.append(el('title', {}, line.name));
    svg.append(path);
  });
  const legend = document.createElement('ul');
  legend.className = 'legend';
  lines.forEach((line, i) => {
    const li = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = `swatch c${i % COLORS.length}`;
    li.append(swatch, line.name);
    legend.append(li);
  });
  const figure = document.createElement('figure');
  figure.className = 'chart-figure';
  const caption = document.createElement('figcaption');
  caption.textContent = label;
  figure.append(caption, svg, legend);
  return figure;
}
