import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { renderStepChart, type Series } from '../../bench/chart.js';

// ---------------------------------------------------------------------------------------------
// Reading the SVG back

type Attrs = Record<string, string>;

function attrs(tag: string): Attrs {
  return Object.fromEntries([...tag.matchAll(/([\w:-]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

function elements(svg: string, name: string): Attrs[] {
  return [...svg.matchAll(new RegExp(`<${name}\\b[^>]*>`, 'g'))].map((m) => attrs(m[0]));
}

function unescape(s: string): string {
  return s.replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[e]!);
}

/** Text content of the `<text>` elements, optionally only those with the given class. */
function texts(svg: string, cls?: string): string[] {
  return [...svg.matchAll(/<text\b([^>]*)>([^<]*)<\/text>/g)]
    .filter((m) => cls === undefined || attrs(m[1]!).class === cls)
    .map((m) => unescape(m[2]!));
}

function plotBox(svg: string) {
  const rect = elements(svg, 'rect').find((r) => r.class === 'plot');
  if (!rect) throw new Error('no plot rect');
  const left = Number(rect.x);
  const top = Number(rect.y);
  return { left, top, right: left + Number(rect.width), bottom: top + Number(rect.height) };
}

function seriesPaths(svg: string): Attrs[] {
  return elements(svg, 'path').filter((p) => p.class === 'series');
}

/** The corners a path visits, resolving H and V against the current point. */
function vertices(d: string): [number, number][] {
  const out: [number, number][] = [];
  let x = Number.NaN;
  let y = Number.NaN;
  for (const m of d.matchAll(/([MHV])(-?[\d.]+)(?: (-?[\d.]+))?/g)) {
    if (m[1] === 'M') [x, y] = [Number(m[2]), Number(m[3])];
    else if (m[1] === 'H') x = Number(m[2]);
    else y = Number(m[2]);
    out.push([x, y]);
  }
  return out;
}

function expectClose(actual: readonly [number, number][], expected: readonly [number, number][]) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach(([x, y], i) => {
    expect(x).toBeCloseTo(expected[i]![0], 0);
    expect(y).toBeCloseTo(expected[i]![1], 0);
  });
}

/** librsvg (through sharp) refuses malformed XML, so rendering is the validity check. */
async function rasterize(svg: string) {
  return sharp(Buffer.from(svg)).png().metadata();
}

const opts = { title: 'Visible characters', xLabel: 'time (s)', yLabel: 'characters' };

// ---------------------------------------------------------------------------------------------

describe('renderStepChart', () => {
  it('is a standalone SVG with the requested size, a white background and sans-serif text', async () => {
    const svg = renderStepChart([{ name: 'bot', color: '#2563eb', points: [[0, 0], [1, 5]] }], { ...opts, width: 640, height: 360 });
    const root = elements(svg, 'svg')[0]!;
    expect(svg.startsWith('<svg ')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(root).toMatchObject({ xmlns: 'http://www.w3.org/2000/svg', width: '640', height: '360', viewBox: '0 0 640 360', 'font-family': 'sans-serif' });
    expect(elements(svg, 'rect')[0]).toMatchObject({ width: '100%', height: '100%', fill: '#ffffff' });
    expect(texts(svg)).toEqual(expect.arrayContaining(['Visible characters', 'time (s)', 'characters']));
    const png = await rasterize(svg);
    expect([png.width, png.height]).toEqual([640, 360]);
  });

  it('draws each series as steps mapped onto the plot box, with its colour and dash', () => {
    const a: Series = { name: 'upstream', color: '#111111', points: [[0, 0], [1, 10], [2, 10], [4, 40]] };
    const b: Series = { name: 'bot', color: '#222222', points: [[0.5, 5], [3, 20]], dashed: true };
    const svg = renderStepChart([a, b], { ...opts, xMax: 4, yMax: 40 });
    const { left, top, right, bottom } = plotBox(svg);
    const at = (x: number, y: number): [number, number] => [left + (x / 4) * (right - left), bottom - (y / 40) * (bottom - top)];

    const [pa, pb] = seriesPaths(svg);
    expect(seriesPaths(svg)).toHaveLength(2);
    // Value holds until the next point: horizontal at the old y, then vertical to the new one.
    expectClose(vertices(pa!.d!), [at(0, 0), at(1, 0), at(1, 10), at(2, 10), at(2, 10), at(4, 10), at(4, 40)]);
    expectClose(vertices(pb!.d!), [at(0.5, 5), at(3, 5), at(3, 20)]);
    // The corners of the data range are the corners of the plot.
    expectClose([vertices(pa!.d!)[0]!, vertices(pa!.d!).at(-1)!], [[left, bottom], [right, top]]);

    expect(pa).toMatchObject({ stroke: '#111111', 'data-name': 'upstream' });
    expect(pa!['stroke-dasharray']).toBeUndefined();
    expect(pb).toMatchObject({ stroke: '#222222', 'data-name': 'bot' });
    expect(pb!['stroke-dasharray']).toBeDefined();
  });

  it('rounds the default axes up to nice numbers and maps points against them', () => {
    const svg = renderStepChart([{ name: 's', color: 'red', points: [[0, 0], [3.7, 1234]] }], opts);
    expect(texts(svg, 'tick-x')).toEqual(['0', '1', '2', '3', '4']);
    expect(texts(svg, 'tick-y')).toEqual(['0', '200', '400', '600', '800', '1k', '1.2k', '1.4k']);
    const { left, top, right, bottom } = plotBox(svg);
    const last = vertices(seriesPaths(svg)[0]!.d!).at(-1)!;
    expectClose([last], [[left + (3.7 / 4) * (right - left), bottom - (1234 / 1400) * (bottom - top)]]);
  });

  it('puts 5 to 8 ticks on every axis, whether the end is rounded or given', () => {
    for (const max of [0.003, 1, 3, 3.6, 7, 8, 9.99, 12, 37, 100, 101, 999, 1234, 45_000, 7_654_321]) {
      const rounded = renderStepChart([{ name: 's', color: 'red', points: [[max, max]] }], opts);
      const given = renderStepChart([{ name: 's', color: 'red', points: [[1, 1]] }], { ...opts, xMax: max, yMax: max });
      for (const svg of [rounded, given]) {
        for (const cls of ['tick-x', 'tick-y']) {
          const labels = texts(svg, cls);
          expect(labels.length, `${cls} for ${max}: ${labels.join(' ')}`).toBeGreaterThanOrEqual(5);
          expect(labels.length, `${cls} for ${max}: ${labels.join(' ')}`).toBeLessThanOrEqual(8);
          expect(labels.join(' ')).not.toMatch(/e-|0000|9999/);
        }
      }
    }
  });

  it('escapes XML special characters in every piece of text', async () => {
    const nasty = `<b>&"'`;
    const svg = renderStepChart(
      [{ name: `</text><script>alert(1)</script> ${nasty}\u0007`, color: `red" onload="x`, points: [[0, 0], [1, 1]] }],
      { title: `title ${nasty}`, xLabel: `x ${nasty}`, yLabel: `y ${nasty}` },
    );
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<b>');
    expect(svg).not.toContain('onload="');
    expect(svg).not.toContain('\u0007');
    expect(texts(svg)).toEqual(expect.arrayContaining([`title ${nasty}`, `x ${nasty}`, `y ${nasty}`, `</text><script>alert(1)</script> ${nasty}`]));
    await rasterize(svg);
  });

  it('lists every series in the legend with its colour swatch and dash', () => {
    const series: Series[] = [
      { name: 'upstream (model output)', color: '#9ca3af', points: [[0, 1]] },
      { name: 'bot', color: '#2563eb', points: [[0, 2]] },
      { name: 'baseline: edit per chunk', color: '#dc2626', points: [], dashed: true },
      { name: 'baseline: one edit per second', color: '#16a34a', points: [[0, 3]], dashed: true },
    ];
    const svg = renderStepChart(series, { ...opts, width: 400 });
    const items = [...svg.matchAll(/<g class="legend-item">(.*?)<\/g>/g)].map((m) => m[1]!);
    expect(items).toHaveLength(series.length);
    items.forEach((item, i) => {
      expect(texts(item)).toEqual([series[i]!.name]);
      const swatch = elements(item, 'line')[0]!;
      expect(swatch.stroke).toBe(series[i]!.color);
      expect(swatch['stroke-dasharray'] !== undefined).toBe(series[i]!.dashed === true);
    });
    // A narrow chart wraps the legend instead of running off the right edge.
    const swatchX = items.map((item) => Number(elements(item, 'line')[0]!.x1));
    expect(new Set(swatchX).size).toBeLessThan(items.length);
  });

  it.each<[string, readonly Series[], Partial<Parameters<typeof renderStepChart>[1]>]>([
    ['no series', [], {}],
    ['series without points', [{ name: 'a', color: 'red', points: [] }], {}],
    ['all-zero values', [{ name: 'a', color: 'red', points: [[0, 0], [0, 0], [0, 0]] }], {}],
    ['a single point', [{ name: 'a', color: 'red', points: [[5, 5]] }], {}],
    ['non-finite values', [{ name: 'a', color: 'red', points: [[Number.NaN, 1], [1, Number.POSITIVE_INFINITY], [2, 3]] }], {}],
    ['zero, negative and NaN sizes', [{ name: 'a', color: 'red', points: [[1, 1]] }], { xMax: 0, yMax: -5, width: Number.NaN, height: 0 }],
  ])('renders %s without NaN', async (_, series, extra) => {
    const svg = renderStepChart(series, { ...opts, ...extra });
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    expect(seriesPaths(svg).every((p) => p.d !== '')).toBe(true);
    await rasterize(svg);
  });

  it('drops flat points from series over 2,000 points without changing the drawn shape', () => {
    // Only every 7th point changes y, and the last point continues a flat run.
    const long: [number, number][] = Array.from({ length: 5000 }, (_, i) => [i, Math.floor(i / 7)]);
    const changes = long.filter((p, i) => i === 0 || i === long.length - 1 || p[1] !== long[i - 1]![1]);
    expect(changes.length).toBeLessThan(2000);
    const axes = { ...opts, xMax: 5000, yMax: 800 };

    const thinned = seriesPaths(renderStepChart([{ name: 'a', color: 'red', points: long }], axes))[0]!.d!;
    const reference = seriesPaths(renderStepChart([{ name: 'a', color: 'red', points: changes }], axes))[0]!.d!;
    expect(thinned).toBe(reference);
    // Pinned independently of the reference rendering: first, last and one corner per change in y.
    const corners = vertices(thinned);
    expect(corners).toHaveLength(1 + 2 * (changes.length - 1));
    expect(new Set(corners.map(([, y]) => y)).size).toBe(new Set(long.map(([, y]) => y)).size);

    // Below the threshold nothing is dropped.
    const short: [number, number][] = Array.from({ length: 100 }, (_, i) => [i, 1]);
    expect(vertices(seriesPaths(renderStepChart([{ name: 'a', color: 'red', points: short }], opts))[0]!.d!)).toHaveLength(1 + 2 * 99);
  });

  it('bounds series that stay long after thinning, keeping their ends and every spike', () => {
    // Neighbours never share a y, so flat-run thinning cannot help; the spikes are single points
    // that land inside a pixel column, where only a min/max-aware collapse keeps them.
    const spikes = new Map([[5003, 0], [7777, 100], [12_345, 0], [15_001, 100], [18_888, 3]]);
    const points: [number, number][] = Array.from({ length: 20_000 }, (_, i) => [i, spikes.get(i) ?? (i % 2 === 0 ? 40 : 60)]);
    const svg = renderStepChart([{ name: 'a', color: 'red', points }], { ...opts, xMax: 20_000, yMax: 100 });
    const { left, top, right, bottom } = plotBox(svg);
    const at = (x: number, y: number): [number, number] => [left + (x / 20_000) * (right - left), bottom - (y / 100) * (bottom - top)];
    const corners = vertices(seriesPaths(svg)[0]!.d!);

    expect(corners.length).toBeLessThan(2 * 4 * (right - left + 2));
    expectClose([corners[0]!, corners.at(-1)!], [at(...points[0]!), at(...points.at(-1)!)]);
    for (const [i, y] of spikes) {
      const [sx, sy] = at(i, y);
      expect(corners.some(([cx, cy]) => Math.abs(cx - sx) <= 1.5 && Math.abs(cy - sy) < 0.1), `spike at ${i}`).toBe(true);
    }
  });
});
