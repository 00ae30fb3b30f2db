import { parser } from '@prometheus-io/lezer-promql';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

// Reads alert expressions with Prometheus's own PromQL grammar, so a test sees the selectors exactly as
// Prometheus will, and evaluates the instant-vector subset alerts use on threshold checks against scraped samples.

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  label: string;
  op: MatchOp;
  value: string;
}

export interface PromSelector {
  metric: string;
  matchers: LabelMatcher[];
  /** Labels the enclosing `by (…)` clauses group on, so the selected series must carry them. */
  groupedBy: string[];
}

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

const MATCH_OPS: Record<string, MatchOp> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

const children = (node: SyntaxNode): SyntaxNode[] => {
  const found: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) found.push(child);
  return found;
};

function parse(expr: string): SyntaxNode {
  const tree = parser.parse(expr);
  const errors: number[] = [];
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(node.from);
    },
  });
  if (errors.length > 0) throw new Error(`PromQL syntax error at ${errors[0]} in: ${expr}`);
  return tree.topNode;
}

const text = (expr: string, node: SyntaxNode): string => expr.slice(node.from, node.to);

function groupingLabels(expr: string, aggregate: SyntaxNode): string[] | undefined {
  const modifier = aggregate.getChild('AggregateModifier');
  if (!modifier?.getChild('By')) return undefined;
  return (modifier.getChild('GroupingLabels')?.getChildren('LabelName') ?? []).map((label) => text(expr, label));
}

function selectorOf(expr: string, node: SyntaxNode, groupedBy: string[]): PromSelector {
  const matchers = (node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []).map((matcher) => {
    const opNode = matcher.getChild('MatchOp')?.firstChild;
    const literal = matcher.getChild('StringLiteral');
    const op = opNode ? MATCH_OPS[opNode.name] : undefined;
    const label = matcher.getChild('LabelName');
    if (!op || !literal || !label) throw new Error(`unsupported matcher ${text(expr, matcher)}`);
    return { label: text(expr, label), op, value: JSON.parse(text(expr, literal)) as string };
  });
  const identifier = node.getChild('Identifier');
  if (!identifier) throw new Error(`selector without a metric name: ${text(expr, node)}`);
  return { metric: text(expr, identifier), matchers, groupedBy };
}

/** Every series selector of `expr`, with the labels its enclosing aggregations group by. */
export function promSelectors(expr: string): PromSelector[] {
  const found: PromSelector[] = [];
  const visit = (node: SyntaxNode, groupedBy: string[]): void => {
    if (node.name === 'VectorSelector') {
      found.push(selectorOf(expr, node, groupedBy));
      return;
    }
    const inner = node.name === 'AggregateExpr' ? [...groupedBy, ...(groupingLabels(expr, node) ?? [])] : groupedBy;
    for (const child of children(node)) visit(child, inner);
  };
  visit(parse(expr), []);
  return found;
}

export const matchesSelector = (labels: Record<string, string>, matchers: readonly LabelMatcher[]): boolean =>
  matchers.every(({ label, op, value }) => {
    const actual = labels[label] ?? '';
    if (op === '=') return actual === value;
    if (op === '!=') return actual !== value;
    // PromQL regexes are anchored at both ends.
    const matched = new RegExp(`^(?:${value})$`).test(actual);
    return op === '=~' ? matched : !matched;
  });

type Value = number | Sample[];

const signature = (labels: Record<string, string>): string =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  Gtr: (a, b) => a > b,
  Lss: (a, b) => a < b,
  Gte: (a, b) => a >= b,
  Lte: (a, b) => a <= b,
  Eql: (a, b) => a === b,
  Neq: (a, b) => a !== b,
};
const ARITHMETIC: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b) => a / b,
};
const AGGREGATE: Record<string, (values: number[]) => number> = {
  Sum: (values) => values.reduce((total, v) => total + v, 0),
  Max: (values) => Math.max(...values),
  Min: (values) => Math.min(...values),
  Count: (values) => values.length,
};

/** What Prometheus held at an earlier instant, and how long before the evaluation. */
export interface EarlierView {
  series: readonly Sample[];
  seconds: number;
}

/**
 * Prometheus's `histogram_quantile` over cumulative `le` buckets, per label set without `le`: linear
 * interpolation inside the bucket the rank falls in, the highest finite bound when it falls in `+Inf`, and NaN
 * (which no comparison keeps) for a histogram without `+Inf` or without observations.
 */
function histogramQuantile(q: number, buckets: readonly Sample[]): Sample[] {
  const histograms = new Map<string, { labels: Record<string, string>; buckets: { le: number; count: number }[] }>();
  for (const {
    labels: { le, ...labels },
    value,
  } of buckets) {
    if (le === undefined) continue;
    const key = signature(labels);
    const histogram = histograms.get(key) ?? { labels, buckets: [] };
    histogram.buckets.push({ le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), count: value });
    histograms.set(key, histogram);
  }
  return [...histograms.values()].map(({ labels, buckets: sorted }) => {
    sorted.sort((a, b) => a.le - b.le);
    const total = sorted.at(-1);
    if (total?.le !== Number.POSITIVE_INFINITY || total.count === 0) return { labels, value: Number.NaN };
    const rank = q * total.count;
    const index = sorted.findIndex((bucket) => bucket.count >= rank);
    const bucket = sorted[index] ?? total;
    if (bucket.le === Number.POSITIVE_INFINITY) return { labels, value: sorted.at(-2)?.le ?? Number.NaN };
    const below = sorted[index - 1];
    const start = below?.le ?? 0;
    const startCount = below?.count ?? 0;
    const value = start + ((bucket.le - start) * (rank - startCount)) / (bucket.count - startCount);
    return { labels, value };
  });
}

/**
 * Evaluates `expr` at one instant over `series` (each with its metric name in `__name__`): selectors,
 * sum/max/min/count with `by`, comparisons, arithmetic, `and`/`or`/`unless` on whole label sets, `absent` and
 * `histogram_quantile`.
 * Given an `earlier` view, `rate`/`increase` of a range and `offset` read it as the start of every window, like
 * Prometheus with exactly two samples per series and no extrapolation: a series missing from it has no rate.
 * Anything else (subqueries, matching modifiers) throws, so a test only claims what it evaluated.
 */
export function evaluateInstant(expr: string, series: readonly Sample[], earlier?: EarlierView): Sample[] {
  const unsupported = (node: SyntaxNode): never => {
    throw new Error(`evaluateInstant does not support ${node.name}: ${text(expr, node)}`);
  };
  const vector = (value: Value, node: SyntaxNode): Sample[] => (typeof value === 'number' ? unsupported(node) : value);
  const select = (node: SyntaxNode, from: readonly Sample[]): Sample[] => {
    const selector = selectorOf(expr, node, []);
    const matchers = [...selector.matchers, { label: '__name__', op: '=' as const, value: selector.metric }];
    return from
      .filter((sample) => matchesSelector(sample.labels, matchers))
      .map(({ labels: { __name__: _, ...labels }, value }) => ({ labels, value }));
  };
  const previous = (node: SyntaxNode): EarlierView => earlier ?? unsupported(node);
  const evaluate = (node: SyntaxNode): Value => {
    switch (node.name) {
      case 'PromQL':
      case 'ParenExpr':
        return evaluate(children(node)[0] ?? unsupported(node));
      case 'NumberDurationLiteral':
        return Number(text(expr, node));
      case 'VectorSelector':
        return select(node, series);
      case 'OffsetExpr': {
        const inner = node.firstChild;
        return inner?.name === 'VectorSelector' ? select(inner, previous(node).series) : unsupported(node);
      }
      case 'AggregateExpr': {
        const op = node.getChild('AggregateOp')?.firstChild?.name ?? '';
        const aggregate = AGGREGATE[op];
        const body = node.getChild('FunctionCallBody')?.firstChild;
        if (!aggregate || !body || node.getChild('AggregateModifier')?.getChild('Without')) return unsupported(node);
        const by = groupingLabels(expr, node) ?? [];
        const groups = new Map<string, { labels: Record<string, string>; values: number[] }>();
        for (const sample of vector(evaluate(body), body)) {
          const labels: Record<string, string> = {};
          for (const label of by) {
            const value = sample.labels[label];
            if (value !== undefined) labels[label] = value;
          }
          const key = signature(labels);
          const group = groups.get(key) ?? { labels, values: [] };
          group.values.push(sample.value);
          groups.set(key, group);
        }
        return [...groups.values()].map(({ labels, values }) => ({ labels, value: aggregate(values) }));
      }
      case 'FunctionCall': {
        const name = node.getChild('FunctionIdentifier')?.firstChild?.name;
        const argument = node.getChild('FunctionCallBody')?.firstChild;
        const range = argument?.getChild('VectorSelector');
        if ((name === 'Rate' || name === 'Increase') && argument?.name === 'MatrixSelector' && range) {
          const { series: before, seconds } = previous(node);
          const start = new Map(select(range, before).map((sample) => [signature(sample.labels), sample.value]));
          return select(range, series).flatMap(({ labels, value }) => {
            const first = start.get(signature(labels));
            if (first === undefined) return [];
            // A counter that went down was reset by a restart: it counted `value` since.
            const increase = value >= first ? value - first : value;
            return [{ labels, value: name === 'Rate' ? increase / seconds : increase }];
          });
        }
        if (name === 'HistogramQuantile' && argument?.name === 'NumberDurationLiteral' && argument.nextSibling) {
          const buckets = argument.nextSibling;
          return histogramQuantile(Number(text(expr, argument)), vector(evaluate(buckets), buckets));
        }
        if (name !== 'Absent' || argument?.name !== 'VectorSelector') return unsupported(node);
        if (vector(evaluate(argument), argument).length > 0) return [];
        const labels = Object.fromEntries(
          selectorOf(expr, argument, [])
            .matchers.filter((matcher) => matcher.op === '=')
            .map((matcher) => [matcher.label, matcher.value]),
        );
        return [{ labels, value: 1 }];
      }
      case 'BinaryExpr':
        return binary(node);
      default:
        return unsupported(node);
    }
  };
  const binary = (node: SyntaxNode): Value => {
    const [lhsNode, opNode, ...rest] = children(node);
    const rhsNode = rest.at(-1);
    if (!lhsNode || !opNode || !rhsNode || rest.length !== 1) return unsupported(node);
    const lhs = evaluate(lhsNode);
    const rhs = evaluate(rhsNode);
    const op = opNode.name;
    if (op === 'And' || op === 'Or' || op === 'Unless') {
      const left = vector(lhs, lhsNode);
      const right = vector(rhs, rhsNode);
      const rightKeys = new Set(right.map((sample) => signature(sample.labels)));
      if (op === 'And') return left.filter((sample) => rightKeys.has(signature(sample.labels)));
      if (op === 'Unless') return left.filter((sample) => !rightKeys.has(signature(sample.labels)));
      const leftKeys = new Set(left.map((sample) => signature(sample.labels)));
      return [...left, ...right.filter((sample) => !leftKeys.has(signature(sample.labels)))];
    }
    const compare = COMPARE[op];
    const arithmetic = ARITHMETIC[op];
    const apply = (a: number, b: number): number | undefined => {
      if (compare) return compare(a, b) ? a : undefined;
      return arithmetic ? arithmetic(a, b) : unsupported(opNode);
    };
    if (typeof lhs === 'number' && typeof rhs === 'number') return apply(lhs, rhs) ?? unsupported(node);
    let pairs: [Sample, number, number][];
    if (typeof rhs === 'number') pairs = vector(lhs, lhsNode).map((sample) => [sample, sample.value, rhs]);
    else if (typeof lhs === 'number') pairs = rhs.map((sample) => [sample, lhs, sample.value]);
    else {
      const right = new Map(rhs.map((sample) => [signature(sample.labels), sample.value]));
      pairs = lhs.flatMap((sample) => {
        const other = right.get(signature(sample.labels));
        return other === undefined ? [] : [[sample, sample.value, other] as [Sample, number, number]];
      });
    }
    return pairs.flatMap(([sample, a, b]) => {
      const result = apply(a, b);
      // A comparison filters and keeps the vector sample's value; arithmetic yields the result.
      return result === undefined ? [] : [{ labels: sample.labels, value: compare ? sample.value : result }];
    });
  };
  const top = parse(expr);
  return vector(evaluate(top), top);
}

/** `expr` split at its outermost comparison with a number (`lhs > 25000`), or undefined when it is not one. */
export function thresholdOf(expr: string): { lhs: string; op: string; threshold: number } | undefined {
  const top = parse(expr).firstChild;
  if (top?.name !== 'BinaryExpr') return undefined;
  const [lhs, op, rhs, ...rest] = children(top);
  if (!lhs || !op || rhs?.name !== 'NumberDurationLiteral' || rest.length > 0 || !COMPARE[op.name]) return undefined;
  return { lhs: text(expr, lhs), op: text(expr, op), threshold: Number(text(expr, rhs)) };
}
