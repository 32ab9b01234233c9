/**
 * Reads Prometheus text exposition (what `/metrics` serves): every line must be a comment or a
 * `name{labels} value` sample, or this throws, so a malformed scrape fails the test.
 */
export function parsePrometheus(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const samples = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_]\w*="(?:[^"\\]|\\.)*",?)*)\})? (\S+)$/.exec(line);
    const value = m ? valueOf(m[3]!) : undefined;
    if (!m || value === undefined) throw new Error(`not Prometheus text: ${line}`);
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]));
    samples.push({ name: m[1]!, labels, value });
  }
  return samples;
}

/** A sample's value as the format spells it: a float, or Inf / NaN in any case (as Go parses them). */
function valueOf(text: string): number | undefined {
  if (/^[+-]?inf$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text) ? Number(text) : undefined;
}

/** The value of one sample, by name and (a subset of) its labels. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return parsePrometheus(text).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}
