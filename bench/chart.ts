/**
 * A dependency-free SVG step chart for the benchmark report: "visible characters over time" of one
 * streamed reply, one line per strategy.
 *
 * Lines are steps (horizontal, then vertical) because a Discord message keeps showing a value until
 * the next edit lands; a sloped line would claim characters were visible before they were.
 * Nothing is drawn before a series' first point or after its last: the chart does not guess what
 * the value was outside the data. A caller that wants the final value held to the right edge adds
 * a point there. The last point of each series gets a dot, so a series that ends early, or is a
 * single point, is still visible.
 */

export interface Series {
  name: string;
  color: string;
  points: readonly (readonly [number, number])[];
  dashed?: boolean;
}

const DEFAULT_WIDTH = 800;
const DEFAULT_HEIGHT = 420;
/** Nice steps are 1..2x the raw step, so rounding the axis up gives 4..7 intervals: 5..8 ticks. */
const TARGET_INTERVALS = 7;
const MAX_POINTS = 2000;

const FONT_SIZE = 12;
const TITLE_SIZE = 16;
const TICK_LENGTH = 5;
const LEGEND_ROW = 20;
const LEGEND_SWATCH = 22;
const LEGEND_GAP = 18;
const STROKE_WIDTH = 2;

/**
 * Renders the series as step lines on shared axes starting at 0. `width` and `height` are the size
 * of the whole image (legend included); `xMax`/`yMax` fix the axis ends, otherwise the largest value
 * over all points is rounded up to a nice number. Values beyond the axes are clipped.
 */
export function renderStepChart(
  series: readonly Series[],
  opts: { title: string; xLabel: string; yLabel: string; width?: number; height?: number; xMax?: number; yMax?: number },
): string {
  const width = positiveOr(opts.width, DEFAULT_WIDTH);
  const height = positiveOr(opts.height, DEFAULT_HEIGHT);

  const cleaned = series.map((s) => ({ ...s, points: thinFlatRuns(finiteSorted(s.points), MAX_POINTS) }));
  const all = cleaned.flatMap((s) => s.points);
  // A loop, not Math.max(...spread): long series would exceed the engine's argument limit.
  let dataXMax = 0;
  let dataYMax = 0;
  for (const [x, y] of all) {
    dataXMax = Math.max(dataXMax, x);
    dataYMax = Math.max(dataYMax, y);
  }
  const xAxis = niceAxis(dataXMax, opts.xMax);
  const yAxis = niceAxis(dataYMax, opts.yMax);

  const yTickLabels = yAxis.ticks.map(formatNumber);
  const xTickLabels = xAxis.ticks.map(formatNumber);
  // Room for the rotated y label, then the widest y tick label, so labels never leave the image.
  const left = 8 + FONT_SIZE + 10 + Math.max(...yTickLabels.map(textWidth)) + TICK_LENGTH + 4;
  // Half the last x tick label can stick out past the plot's right edge.
  const right = Math.max(16, textWidth(xTickLabels[xTickLabels.length - 1] ?? '') / 2 + 6);
  const top = 40;
  const plotW = Math.max(40, width - left - right);

  const legend = layoutLegend(cleaned, left, plotW);
  const legendRows = legend.length === 0 ? 0 : Math.max(...legend.map((l) => l.row)) + 1;
  // Below the plot: tick labels, the x axis label, then the legend rows.
  const belowPlot = TICK_LENGTH + 50 + legendRows * LEGEND_ROW;
  const plotH = Math.max(40, height - top - belowPlot);
  const bottom = top + plotH;

  const px = (x: number) => left + (x / xAxis.max) * plotW;
  const py = (y: number) => bottom - (y / yAxis.max) * plotH;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="sans-serif" font-size="${FONT_SIZE}" role="img" aria-label="${esc(opts.title)}">`,
  );
  out.push(`<title>${esc(opts.title)}</title>`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  // The clip is padded by the stroke width so a line lying exactly on an axis end stays whole.
  const pad = STROKE_WIDTH + 2;
  // Charts inlined into one HTML page share an id namespace, so the id names the geometry: equal ids, equal clips.
  const clipId = `plot-clip-${[left, top, plotW, plotH].map(n).join('-')}`;
  out.push(
    `<defs><clipPath id="${clipId}"><rect x="${n(left - pad)}" y="${n(top - pad)}" width="${n(plotW + 2 * pad)}" height="${n(plotH + 2 * pad)}"/></clipPath></defs>`,
  );

  out.push(`<text x="${n(width / 2)}" y="24" text-anchor="middle" font-size="${TITLE_SIZE}" font-weight="bold">${esc(opts.title)}</text>`);

  // Grid and tick labels.
  for (const [i, t] of yAxis.ticks.entries()) {
    const y = n(py(t));
    out.push(`<line x1="${n(left)}" y1="${y}" x2="${n(left + plotW)}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<line x1="${n(left - TICK_LENGTH)}" y1="${y}" x2="${n(left)}" y2="${y}" stroke="#333333"/>`);
    out.push(`<text class="tick-y" x="${n(left - TICK_LENGTH - 3)}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#333333">${esc(yTickLabels[i]!)}</text>`);
  }
  for (const [i, t] of xAxis.ticks.entries()) {
    const x = n(px(t));
    out.push(`<line x1="${x}" y1="${n(top)}" x2="${x}" y2="${n(bottom)}" stroke="#e5e5e5"/>`);
    out.push(`<line x1="${x}" y1="${n(bottom)}" x2="${x}" y2="${n(bottom + TICK_LENGTH)}" stroke="#333333"/>`);
    out.push(`<text class="tick-x" x="${x}" y="${n(bottom + TICK_LENGTH + FONT_SIZE + 2)}" text-anchor="middle" fill="#333333">${esc(xTickLabels[i]!)}</text>`);
  }
  out.push(`<rect class="plot" x="${n(left)}" y="${n(top)}" width="${n(plotW)}" height="${n(plotH)}" fill="none" stroke="#333333"/>`);

  out.push(`<text x="${n(left + plotW / 2)}" y="${n(bottom + TICK_LENGTH + 36)}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  const yLabelX = 8 + FONT_SIZE;
  const yLabelY = n(top + plotH / 2);
  out.push(`<text x="${yLabelX}" y="${yLabelY}" text-anchor="middle" transform="rotate(-90 ${yLabelX} ${yLabelY})">${esc(opts.yLabel)}</text>`);

  if (all.length === 0) {
    out.push(`<text x="${n(left + plotW / 2)}" y="${n(top + plotH / 2)}" text-anchor="middle" fill="#888888">no data</text>`);
  }

  out.push(`<g clip-path="url(#${clipId})" fill="none" stroke-width="${STROKE_WIDTH}" stroke-linejoin="round">`);
  for (const s of cleaned) {
    if (s.points.length === 0) continue;
    const pixels = collapseColumns(
      s.points.map(([x, y]) => [px(x), py(y)] as const),
      MAX_POINTS,
    );
    const dash = s.dashed ? ` stroke-dasharray="6 4"` : '';
    out.push(`<path class="series" data-name="${esc(s.name)}" d="${stepPath(pixels)}" stroke="${esc(s.color)}"${dash}/>`);
    const [lx, ly] = pixels[pixels.length - 1]!;
    out.push(`<circle cx="${n(lx)}" cy="${n(ly)}" r="3" fill="${esc(s.color)}" stroke="none"/>`);
  }
  out.push(`</g>`);

  for (const item of legend) {
    const y = bottom + TICK_LENGTH + 50 + item.row * LEGEND_ROW;
    const dash = item.dashed ? ` stroke-dasharray="6 4"` : '';
    out.push(
      `<g class="legend-item"><line x1="${n(item.x)}" y1="${n(y)}" x2="${n(item.x + LEGEND_SWATCH)}" y2="${n(y)}" stroke="${esc(item.color)}" stroke-width="${STROKE_WIDTH + 1}"${dash}/>` +
        `<text x="${n(item.x + LEGEND_SWATCH + 6)}" y="${n(y)}" dominant-baseline="middle">${esc(item.name)}</text></g>`,
    );
  }

  out.push(`</svg>`);
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Data preparation

/** Non-finite points would put NaN into the path data and break the whole image, so they go. */
function finiteSorted(points: readonly (readonly [number, number])[]): [number, number][] {
  const kept = points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).map(([x, y]) => [x, y] as [number, number]);
  // Stable, so equal-x points keep their order: that order is the order the edits landed in.
  return kept.sort((a, b) => a[0] - b[0]);
}

/**
 * A point whose y equals the previous point's only continues a horizontal run, so dropping it keeps
 * the step shape exactly. The last point stays because it marks where the series ends.
 */
function thinFlatRuns(points: [number, number][], maxPoints: number): [number, number][] {
  if (points.length <= maxPoints) return points;
  return points.filter((p, i) => i === 0 || i === points.length - 1 || p[1] !== points[i - 1]![1]);
}

/**
 * Second pass for series still too long: points closer together than a pixel column draw a vertical
 * line over their y range, so keeping the first, lowest, highest and last of each column (in their
 * order) keeps what is visible while bounding the output by the chart width.
 */
function collapseColumns(points: (readonly [number, number])[], maxPoints: number): (readonly [number, number])[] {
  if (points.length <= maxPoints) return points;
  const out: (readonly [number, number])[] = [];
  let start = 0;
  while (start < points.length) {
    const column = Math.round(points[start]![0]);
    let end = start;
    while (end + 1 < points.length && Math.round(points[end + 1]![0]) === column) end++;
    let lo = start;
    let hi = start;
    for (let i = start; i <= end; i++) {
      if (points[i]![1] < points[lo]![1]) lo = i;
      if (points[i]![1] > points[hi]![1]) hi = i;
    }
    for (const i of [...new Set([start, lo, hi, end])].sort((a, b) => a - b)) out.push(points[i]!);
    start = end + 1;
  }
  return out;
}

function stepPath(points: readonly (readonly [number, number])[]): string {
  const [first, ...rest] = points;
  if (!first) return '';
  let d = `M${n(first[0])} ${n(first[1])}`;
  for (const [x, y] of rest) d += `H${n(x)}V${n(y)}`;
  return d;
}

// ---------------------------------------------------------------------------------------------
// Axes and layout

function niceStep(raw: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  const nice = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10;
  return nice * magnitude;
}

function niceAxis(dataMax: number, fixedMax: number | undefined): { max: number; ticks: number[] } {
  let max: number;
  let step: number;
  if (fixedMax !== undefined && Number.isFinite(fixedMax) && fixedMax > 0) {
    max = fixedMax;
    // The axis cannot be rounded up here, so pick the step for 4..7 whole intervals instead: the
    // smallest nice step above max/8 is at most max/4, because nice steps are at most 2x apart.
    step = niceStep((max / 8) * (1 + 1e-9));
  } else {
    // All-zero or empty data still needs a non-zero span, or every coordinate divides by zero.
    const span = Number.isFinite(dataMax) && dataMax > 0 ? dataMax : 1;
    step = niceStep(span / TARGET_INTERVALS);
    // The epsilon keeps float noise (4000/1000 = 4.0000000001) from adding an empty interval.
    max = clean(Math.ceil(span / step - 1e-9) * step);
  }
  const ticks: number[] = [];
  for (let i = 0; i * step <= max * (1 + 1e-9) && i <= 100; i++) ticks.push(clean(i * step));
  return { max, ticks };
}

interface LegendItem {
  name: string;
  color: string;
  dashed: boolean;
  x: number;
  row: number;
}

/** Flows legend entries left to right under the plot, wrapping at the plot's width. */
function layoutLegend(series: readonly Series[], left: number, plotW: number): LegendItem[] {
  const items: LegendItem[] = [];
  let x = left;
  let row = 0;
  for (const s of series) {
    const w = LEGEND_SWATCH + 6 + textWidth(s.name);
    if (x > left && x + w > left + plotW) {
      row++;
      x = left;
    }
    items.push({ name: s.name, color: s.color, dashed: s.dashed ?? false, x, row });
    x += w + LEGEND_GAP;
  }
  return items;
}

/** No font metrics without a renderer; 0.6em per character is generous for sans-serif digits and Latin text. */
function textWidth(s: string): number {
  return [...s].length * FONT_SIZE * 0.6;
}

// ---------------------------------------------------------------------------------------------
// Formatting

function positiveOr(v: number | undefined, fallback: number): number {
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : fallback;
}

/** Strips float noise (0.30000000000000004) that would otherwise reach tick labels. */
function clean(v: number): number {
  return Number(v.toPrecision(12));
}

/** Coordinates to 0.1px: finer is invisible and only grows the file. */
function n(v: number): string {
  return String(Math.round(v * 10) / 10);
}

function formatNumber(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1e6) return `${clean(v / 1e6)}M`;
  if (abs >= 1e3) return `${clean(v / 1e3)}k`;
  return String(clean(v));
}

/** Also drops control characters: XML 1.0 forbids them even escaped, and one would void the whole image. */
function esc(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
