// Regenerates the configuration table in README.md from the config package's validated defaults
// (run after `pnpm build`); a unit test fails when the README and the schema disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { loadConfig, renderConfigTable } from '../../packages/config/dist/index.js';

const readme = new URL('../../README.md', import.meta.url);
const text = readFileSync(readme, 'utf8');
const start = '<!-- config-table:start -->';
const end = '<!-- config-table:end -->';
const loaded = loadConfig({ env: {} });
if (!loaded.ok) throw new Error('default configuration does not validate');
const table = renderConfigTable(loaded.config);
const next = text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), () => `${start}\n${table}\n${end}`);
writeFileSync(readme, next);
console.log(next === text ? 'README configuration table already current' : 'README configuration table updated');
