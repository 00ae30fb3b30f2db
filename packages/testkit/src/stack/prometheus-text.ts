/** Just enough of the Prometheus text exposition format to read counters and histograms back in tests and the bench. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheusText(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(LABEL)) {
      labels[label[1] ?? ''] = (label[2] ?? '').replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
    }
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return samples;
}

const matches = (sample: MetricSample, labels: Record<string, string>): boolean =>
  Object.entries(labels).every(([key, value]) => sample.labels[key] === value);

/** Sum over every series of `name` whose labels include `labels` (0 when there is none). */
export function sumMetric(samples: readonly MetricSample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && matches(s, labels)).reduce((sum, s) => sum + s.value, 0);
}

/** `sumMetric` straight from exposition text, for tests that read one value per scrape. */
export function readMetric(text: string, name: string, labels: Record<string, string> = {}): number {
  return sumMetric(parsePrometheusText(text), name, labels);
}

const TYPE_LINE = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) /;

/** Every metric the exposition declares (its `# TYPE` lines), with or without samples, in order. */
export function declaredMetricNames(text: string): string[] {
  return text.split('\n').flatMap((line) => TYPE_LINE.exec(line)?.[1] ?? []);
}

export interface HistogramSummary {
  count: number;
  sum: number;
  /** Cumulative counts per upper bound, ascending, merged over the matching series; the last bound is Infinity. */
  buckets: { le: number; count: number }[];
}

/** Merges the series of histogram `name` whose labels include `labels`. */
export function readHistogram(
  samples: readonly MetricSample[],
  name: string,
  labels: Record<string, string> = {},
): HistogramSummary {
  const byBound = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || !matches(s, labels)) continue;
    const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
    byBound.set(le, (byBound.get(le) ?? 0) + s.value);
  }
  return {
    count: sumMetric(samples, `${name}_count`, labels),
    sum: sumMetric(samples, `${name}_sum`, labels),
    buckets: [...byBound.entries()].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count })),
  };
}

/**
 * The q-quantile estimated from buckets the way PromQL's histogram_quantile does (linear inside the bucket);
 * `undefined` when the histogram is empty. A result in the +Inf bucket is reported as the highest finite bound.
 */
export function histogramQuantile(histogram: HistogramSummary, q: number): number | undefined {
  const total = histogram.buckets.at(-1)?.count ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let previousBound = 0;
  let previousCount = 0;
  for (const { le, count } of histogram.buckets) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return previousBound;
      const inBucket = count - previousCount;
      return inBucket === 0 ? le : previousBound + ((le - previousBound) * (rank - previousCount)) / inBucket;
    }
    previousBound = le;
    previousCount = count;
  }
  return previousBound;
}

/** GETs a /metrics endpoint and parses it. */
export async function scrapeMetrics(url: string, timeoutMs = 5000): Promise<MetricSample[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
  return parsePrometheusText(await res.text());
}
