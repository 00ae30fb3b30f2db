import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { findK8sObject, k8sDataEntry, renderK8sKustomization, repoRoot } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { observedAppsOfSuite } from '../support/observed-apps.js';
import { promSelectors } from '../support/promql.js';
import { type App, renderDeployed, scrapeJobs, selectorProblems } from '../support/scrape.js';

// The Grafana dashboard in k8s/dashboards must load in Grafana and chart real series: every query parses as
// PromQL, names the scrape job of the app it reads, and reads only metrics and labels that app exports, proven
// against scrapes of the running apps after traffic that creates each series the dashboard breaks down.

interface Target {
  refId: string;
  expr?: string;
  query?: string;
  datasource?: { uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  links?: { url: string }[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query: string };
  datasource?: { uid?: string };
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
  links?: { url: string }[];
}

const DASHBOARD_DIR = resolve(repoRoot, 'k8s', 'dashboards');
const DASHBOARD_FILE = 'signal-gateway.json';
const json = readFileSync(resolve(DASHBOARD_DIR, DASHBOARD_FILE), 'utf8');
const dashboard = JSON.parse(json) as Dashboard;
const variables = new Map(dashboard.templating.list.map((variable) => [variable.name, variable]));
const promTargets = dashboard.panels.flatMap((panel) =>
  (panel.targets ?? [])
    .filter((target) => target.expr !== undefined)
    .map((target) => ({ panel: panel.title, expr: target.expr ?? '', uid: target.datasource?.uid })),
);
const namespaceQuery = ((): string => {
  const query = variables.get('namespace')?.query;
  return typeof query === 'string' ? query : (query?.query ?? '');
})();

// Grafana's own range variables, and the dashboard's, replaced by what Grafana would put in their place.
const GRAFANA_VALUES: Record<string, string> = { __rate_interval: '5m', __interval: '1m', __range: '1h' };
const DASHBOARD_VALUES: Record<string, string> = { namespace: '.*' };
const VARIABLE = /\$(?:\{(\w+)(?::\w+)?\}|(\w+))/g;
const referenced = (text: string): string[] => [...text.matchAll(VARIABLE)].map((match) => match[1] ?? match[2] ?? '');
const interpolate = (expr: string): string =>
  expr.replace(VARIABLE, (whole, braced?: string, bare?: string) => {
    const name = braced ?? bare ?? '';
    const value = GRAFANA_VALUES[name] ?? DASHBOARD_VALUES[name];
    if (value === undefined) throw new Error(`no value for ${whole} in ${expr}`);
    return value;
  });
/** How Grafana JSON refers to a variable. */
const ref = (name: string): string => `\${${name}}`;
/** The selector inside `label_values(selector, label)`, the only query form the variables use. */
const labelValuesSelector = (query: string): string => /^label_values\((.+), *\w+\)$/.exec(query)?.[1] ?? '';

const deployed = renderDeployed();
const found = scrapeJobs(deployed);
const appOfJob = new Map<string, App>(
  (Object.entries(found.jobs) as [App, { job: string }[]][]).flatMap(([app, jobs]) =>
    jobs.map(({ job }) => [job, app] as [string, App]),
  ),
);

describe('dashboard', () => {
  it('is Grafana dashboard JSON with a uid, a schema version, unique panel ids and non-overlapping positions', () => {
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dashboard.title).toBeTruthy();
    expect(Number.isInteger(dashboard.schemaVersion)).toBe(true);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(ids.every(Number.isInteger)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Map<string, string>();
    for (const { title, gridPos } of dashboard.panels) {
      const { h, w, x, y } = gridPos;
      expect([h, w, x, y].every(Number.isInteger), title).toBe(true);
      expect(h > 0 && w > 0 && x >= 0 && y >= 0 && x + w <= 24, `${title}: ${JSON.stringify(gridPos)}`).toBe(true);
      for (let row = y; row < y + h; row++) {
        for (let column = x; column < x + w; column++) {
          const cell = `${column},${row}`;
          expect(cells.get(cell), `${title} overlaps`).toBeUndefined();
          cells.set(cell, title);
        }
      }
    }
  });

  it('reads Prometheus through the datasource variable, and every variable it uses is defined', () => {
    expect(variables.get('datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(promTargets.length).toBeGreaterThan(20);
    for (const { panel, uid } of promTargets) expect(uid, panel).toBe(ref('datasource'));
    for (const panel of dashboard.panels.filter((candidate) => candidate.targets?.some((t) => t.expr))) {
      expect(panel.datasource?.uid, panel.title).toBe(ref('datasource'));
    }
    const used = [
      ...promTargets.flatMap(({ expr }) => referenced(expr)),
      ...dashboard.panels.flatMap((panel) => [
        ...referenced(panel.title),
        ...(panel.links ?? []).flatMap((link) => referenced(link.url)),
        ...(panel.targets ?? []).flatMap((target) =>
          referenced(`${target.query ?? ''}${target.datasource?.uid ?? ''}`),
        ),
      ]),
      ...(dashboard.links ?? []).flatMap((link) => referenced(link.url)),
    ];
    const unknown = used.filter((name) => !variables.has(name) && GRAFANA_VALUES[name] === undefined);
    expect(unknown).toEqual([]);
  });

  it('shows the trace whose trace_id is given, from a Tempo or Jaeger datasource variable, with a link to Explore', () => {
    expect(variables.get('tracing')?.type).toBe('datasource');
    expect(['tempo', 'jaeger']).toContain(variables.get('tracing')?.query);
    expect(variables.get('trace_id')?.type).toBe('textbox');
    const traces = dashboard.panels.filter((panel) => panel.datasource?.uid === ref('tracing'));
    expect(traces.map((panel) => panel.type)).toEqual(['traces']);
    expect(traces[0]?.targets?.map((target) => target.query)).toEqual([ref('trace_id')]);
    const link = traces[0]?.links?.[0]?.url ?? '';
    expect(link.startsWith('/explore?')).toBe(true);
    const panes = JSON.parse(new URLSearchParams(link.slice('/explore?'.length)).get('panes') ?? '{}') as Record<
      string,
      { datasource: string; queries: { query: string }[] }
    >;
    expect(Object.values(panes)).toMatchObject([{ datasource: ref('tracing'), queries: [{ query: ref('trace_id') }] }]);
  });

  it('parses every query and has each selector name the scrape job of the app it reads', () => {
    expect(found.problems).toEqual([]);
    const problems: string[] = [];
    for (const { panel, expr } of [...promTargets, { panel: 'namespace', expr: labelValuesSelector(namespaceQuery) }]) {
      const selectors = promSelectors(interpolate(expr));
      if (selectors.length === 0) problems.push(`${panel}: no selector in ${expr}`);
      for (const selector of selectors) {
        const jobs = selector.matchers.filter((matcher) => matcher.label === 'job');
        if (jobs.length !== 1 || jobs[0]?.op !== '=' || !appOfJob.has(jobs[0].value)) {
          problems.push(`${panel}: ${selector.metric} does not select one scrape job (${JSON.stringify(jobs)})`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('ships as a ConfigMap the Grafana sidecar picks up', () => {
    const objects = renderK8sKustomization(DASHBOARD_DIR);
    expect(objects.map((object) => object.kind)).toEqual(['ConfigMap']);
    const configMap = findK8sObject(objects, 'ConfigMap', 'signal-gateway-dashboard');
    expect(configMap.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect(JSON.parse(k8sDataEntry(configMap, DASHBOARD_FILE))).toEqual(dashboard);
  });

  describe('against the running apps', { timeout: 120_000 }, () => {
    const apps = observedAppsOfSuite();

    it('reads only metrics and labels the app named by each selector exports', () => {
      const exported = apps().exported();
      const problems: string[] = [];
      for (const { panel, expr } of [
        ...promTargets,
        { panel: 'namespace', expr: labelValuesSelector(namespaceQuery) },
      ]) {
        for (const selector of promSelectors(interpolate(expr))) {
          const app = appOfJob.get(selector.matchers.find((matcher) => matcher.label === 'job')?.value ?? '');
          // `up` is written by Prometheus itself for every target of the job.
          if (!app || selector.metric === 'up') continue;
          problems.push(...selectorProblems(selector, app, exported[app]).map((problem) => `${panel}: ${problem}`));
        }
      }
      expect(problems).toEqual([]);
    });
  });
});
