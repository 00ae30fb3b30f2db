import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { repoRoot } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { observedAppsOfSuite } from '../support/observed-apps.js';
import { APPS, type App, type AppExports } from '../support/scrape.js';

// docs/metrics-compatibility.md says which of Kubernaut's gateway metrics this gateway exports under the same
// name, type and labels. Its table is held to the running apps: a shared metric that changed, an absent one that
// appeared, or a row naming a metric the apps do not export fails here until the page is corrected.

type Status = 'same' | 'different' | 'absent';
interface Row {
  theirs: string;
  type: string;
  labels: string[];
  status: Status;
  ours?: { name: string; app: App };
  ourLabels: string[];
}

const DOC = readFileSync(resolve(repoRoot, 'docs', 'metrics-compatibility.md'), 'utf8');
const labelList = (cell: string): string[] =>
  cell === '—' ? [] : cell.split(',').map((label) => label.trim().replace(/`/g, ''));

const rows: Row[] = DOC.split('\n')
  .filter((line) => line.startsWith('| `gateway_'))
  .map((line) => {
    const [theirs = '', type = '', labels = '', status = '', ours = '', ourLabels = ''] = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    const named = /^`(gateway_\w+)` \((ingress|worker)\)$/.exec(ours);
    return {
      theirs: theirs.replace(/`/g, ''),
      type,
      labels: labelList(labels),
      status: status as Status,
      ours: named ? { name: named[1] ?? '', app: named[2] as App } : undefined,
      ourLabels: labelList(ourLabels),
    };
  });

/** The label names `app`'s series of `metric` carry (a histogram's read from its `_count`), and its type. */
function exportedShape(exported: AppExports, metric: string): { type?: string; labels: string[][] } {
  const type = exported.types.get(metric);
  const seriesName = type === 'histogram' ? `${metric}_count` : metric;
  const labels = exported.samples
    .filter((sample) => sample.name === seriesName)
    .map((sample) => Object.keys(sample.labels).sort());
  return { type, labels };
}

describe('metrics compatibility', () => {
  it('lists each Kubernaut metric once, with a status, and names ours for every shared one', () => {
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((row) => row.theirs)).size).toBe(rows.length);
    for (const row of rows) {
      expect(['same', 'different', 'absent'], row.theirs).toContain(row.status);
      expect(['counter', 'gauge', 'histogram'], row.theirs).toContain(row.type);
      if (row.status === 'absent') {
        expect(row.ours, row.theirs).toBeUndefined();
      } else {
        expect(row.ours?.name, row.theirs).toBe(row.theirs);
      }
      if (row.status === 'same') expect(row.ourLabels, row.theirs).toEqual(row.labels);
      if (row.status === 'different') expect(row.ourLabels, row.theirs).not.toEqual(row.labels);
    }
  });

  describe('against the running apps', { timeout: 120_000 }, () => {
    const apps = observedAppsOfSuite();

    it('exports each shared metric with the type and exactly the labels the table gives, and no absent one', () => {
      const exported = apps().exported();
      const problems: string[] = [];
      for (const row of rows) {
        if (row.status === 'absent' || !row.ours) {
          for (const app of APPS) {
            if (exported[app].types.has(row.theirs))
              problems.push(`${row.theirs} is marked absent, the ${app} exports it`);
          }
          continue;
        }
        const { type, labels } = exportedShape(exported[row.ours.app], row.ours.name);
        if (type !== row.type) problems.push(`${row.theirs}: the ${row.ours.app} exports it as ${type ?? 'nothing'}`);
        if (labels.length === 0) problems.push(`${row.theirs}: the ${row.ours.app} exported no series of it`);
        const expected = [...row.ourLabels].sort();
        for (const seen of labels) {
          if (JSON.stringify(seen) !== JSON.stringify(expected)) {
            problems.push(
              `${row.theirs}: a series has the labels ${seen.join(', ')}, the table says ${expected.join(', ')}`,
            );
          }
        }
      }
      expect([...new Set(problems)]).toEqual([]);
    });
  });
});
