const SEVERITY_LABEL = /^[a-z0-9_-]{1,20}$/;
export const MAX_DISTINCT_SEVERITIES = 50;

/**
 * Bounded `severity` label: severities are raw source values, so an unbounded set would let a
 * sender create a time series per value. Seen values keep their label; after 50, new ones become `other`.
 */
export function createSeverityLabeler(): (rawSeverity: string) => string {
  const seen = new Set<string>();
  return (rawSeverity) => {
    const label = rawSeverity.toLowerCase();
    if (!SEVERITY_LABEL.test(label)) return 'other';
    if (seen.has(label)) return label;
    if (seen.size >= MAX_DISTINCT_SEVERITIES) return 'other';
    seen.add(label);
    return label;
  };
}
