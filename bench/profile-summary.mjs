// Summarises V8 `.cpuprofile` files (from `node --cpu-prof`) by self time: the top functions with their file, and the
// share per package (node_modules/<name>, node: internals, the gateway's own apps/ and packages/), so a profile can
// be read in a terminal and pasted into docs/benchmarks.md. `node bench/profile-summary.mjs <dir> [top]`.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

function packageOf(url) {
  if (!url) return '(native/idle)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return 'node:internals';
  const m = /\/(apps|packages)\/([^/]+)\//.exec(url);
  if (m) return `${m[1]}/${m[2]}`;
  return url;
}

/** Self time per node of one profile, from its samples and time deltas (µs). */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const deltas = profile.timeDeltas ?? [];
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0));
  });
  return { byId, self };
}

export async function summarizeProfiles(dir, top = 40) {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  const byFunction = new Map();
  // Inclusive time of the gateway's own functions (apps/, packages/): what each step of the hot path costs with
  // everything it calls, counted once per stack even when it recurses.
  const inclusive = new Map();
  // For each function, where its self time was spent: the chain of the 3 nearest named callers outside node: code.
  const callers = new Map();
  const byPackage = new Map();
  let total = 0;
  let idle = 0;
  for (const file of files) {
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8'));
    const { byId, self } = selfTimes(profile);
    const parents = new Map();
    for (const n of profile.nodes) for (const c of n.children ?? []) parents.set(c, n.id);
    for (const [id, us] of self) {
      const node = byId.get(id);
      const { functionName, url, lineNumber } = node.callFrame;
      if (functionName === '(idle)') {
        idle += us;
        continue;
      }
      total += us;
      const short = url ? url.replace(/^.*\/(node_modules|apps|packages)\//, '$1/') : '';
      const key = `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + us);
      const chain = [];
      for (let p = parents.get(id); p !== undefined && chain.length < 3; p = parents.get(p)) {
        const frame = byId.get(p).callFrame;
        // Node's own stream and socket layers say little about who wrote: name the nearest callers outside them.
        if (frame.functionName && !frame.url.startsWith('node:'))
          chain.push(`${frame.functionName}@${frame.url.replace(/^.*\//, '')}:${frame.lineNumber + 1}`);
      }
      const seen = new Set();
      for (let p = id; p !== undefined; p = parents.get(p)) {
        const frame = byId.get(p).callFrame;
        if (!/\/(apps|packages)\/[^/]+\/dist\//.test(frame.url) || frame.url.includes('node_modules')) continue;
        const own = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(apps|packages)\//, '$1/')}:${frame.lineNumber + 1}`;
        if (seen.has(own)) continue;
        seen.add(own);
        inclusive.set(own, (inclusive.get(own) ?? 0) + us);
      }
      const perFn = callers.get(key) ?? new Map();
      const chainKey = chain.join(' < ');
      perFn.set(chainKey, (perFn.get(chainKey) ?? 0) + us);
      callers.set(key, perFn);
      const pkg = ['(garbage collector)', '(program)'].includes(functionName) ? functionName : packageOf(url);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    }
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  const lines = [`busy ${(total / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s (${files.length} profile(s))`];
  lines.push('by package:');
  for (const [pkg, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 20)) lines.push(`  ${pct(us)}  ${pkg}`);
  lines.push(`top ${top} functions by self time:`);
  const ranked = [...byFunction].sort((a, b) => b[1] - a[1]);
  for (const [fn, us] of ranked.slice(0, top)) lines.push(`  ${pct(us)}  ${fn}`);
  lines.push(`the gateway's own functions by inclusive time (top ${top}):`);
  for (const [fn, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${fn}`);
  lines.push('callers of the top 8 (share of that function, nearest first):');
  for (const [fn] of ranked.slice(0, 8)) {
    lines.push(`  ${fn}`);
    const perFn = [...(callers.get(fn) ?? [])].sort((a, b) => b[1] - a[1]);
    const fnTotal = perFn.reduce((sum, [, us]) => sum + us, 0);
    for (const [chain, us] of perFn.slice(0, 4))
      lines.push(`    ${((100 * us) / fnTotal).toFixed(0).padStart(3)} %  ${chain || '(root)'}`);
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir, top] = process.argv.slice(2);
  if (!dir) {
    process.stderr.write('usage: node bench/profile-summary.mjs <dir with .cpuprofile files> [top]\n');
    process.exit(64);
  }
  process.stdout.write(`${await summarizeProfiles(dir, Number(top) || 40)}\n`);
}
