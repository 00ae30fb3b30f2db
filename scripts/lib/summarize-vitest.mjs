// Prints the closing line CI reads. A skipped end-to-end test hides a missing dependency, so skips under
// tests/e2e count as failures; a failed build or lint counts as one failure.
import { readFileSync } from 'node:fs';

const [reportPath, buildFailed = '0'] = process.argv.slice(2);
let passed = 0;
let failed = Number(buildFailed) ? 1 : 0;
let skipped = 0;
try {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  for (const file of report.testResults ?? []) {
    const isE2e = /[/\\]tests[/\\]e2e[/\\]/.test(file.name ?? '');
    if ((file.assertionResults ?? []).length === 0 && file.status === 'failed') failed += 1;
    for (const test of file.assertionResults ?? []) {
      if (test.status === 'passed') passed += 1;
      else if (test.status === 'failed') failed += 1;
      else if (isE2e) {
        console.error(`skipped end-to-end test counts as failed: ${test.fullName}`);
        failed += 1;
      } else skipped += 1;
    }
  }
} catch (err) {
  console.error(`could not read the vitest report ${reportPath}: ${err.message}`);
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
