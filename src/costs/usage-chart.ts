import sharp from 'sharp';

/** The chart's size in pixels, as the PNG decodes. */
export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 400;

/**
 * Cost per day as a PNG: a Vega-Lite bar chart rendered to SVG in Node (no browser, no canvas),
 * then rasterised by sharp. Vega is loaded on first use: most processes never draw a chart.
 */
export async function costChart(days: readonly { day: string; usd: number }[], title: string): Promise<Buffer> {
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const { spec } = compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    // Axes and title fit inside the stated size, so the image is exactly that.
    autosize: { type: 'fit', contains: 'padding' },
    padding: 16,
    background: '#ffffff',
    data: { values: days.map((d) => ({ day: d.day.slice(5), usd: d.usd })) },
    mark: { type: 'bar', color: '#5865f2', cornerRadiusEnd: 2 },
    encoding: {
      x: { field: 'day', type: 'ordinal', sort: null, title: 'UTC day', axis: { labelAngle: days.length > 10 ? -60 : 0 } },
      y: { field: 'usd', type: 'quantitative', title: 'US$', axis: { format: '$,.4~f', tickMinStep: 0.0001 }, scale: { domainMin: 0 } },
    },
    config: { font: 'sans-serif' },
  });
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return await sharp(Buffer.from(svg)).resize(CHART_WIDTH, CHART_HEIGHT, { fit: 'fill' }).png().toBuffer();
  } finally {
    view.finalize();
  }
}
