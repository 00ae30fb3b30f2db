import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigTable } from './config-table.js';
import { loadConfig } from './load-config.js';

describe('config-table', () => {
  it('matches the configuration table in the README, so documented defaults cannot drift', () => {
    const loaded = loadConfig({ env: {} });
    if (!loaded.ok) throw new Error('defaults must validate');
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const match = /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme);
    expect(match?.[1], 'run: pnpm build && node scripts/lib/update-readme-config.mjs').toBe(
      renderConfigTable(loaded.config),
    );
  });

  it('renders durations readably and strings quoted', () => {
    const loaded = loadConfig({ env: {} });
    if (!loaded.ok) throw new Error('defaults must validate');
    const table = renderConfigTable(loaded.config);
    expect(table).toContain('| `dedup.flushInterval` | 1s | hot |');
    expect(table).toContain('| `kubernetes.remediationNamespace` | `kubernaut-system` | restart |');
  });
});
