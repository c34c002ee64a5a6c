// npm run test:faults [-- SCENARIO_ID… --verbose --keep]: brings the lab up (or leases the running one), runs
// every fault scenario of test/e2e/fault-scenarios.ts against the built CLI, and prints
//   fault injected → expected outcome → observed outcome → data lost
// measured from outside after each scenario. Exits 1 when any row lost data or did not go as
// expected. Needs `npm run build` first (it runs bin/registry-setup.js).

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { labAcquire, labRelease } from '../test/lab/lab.js';
import { REPO_ROOT } from '../test/lab/layout.js';
import { SCENARIOS, removeUser, runScenario, type ScenarioResult } from '../test/e2e/fault-scenarios.js';

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const verbose = process.argv.includes('--verbose');
const list = wanted.length ? SCENARIOS.filter((s) => wanted.includes(s.id)) : SCENARIOS;
if (wanted.length && list.length !== wanted.length) {
  console.error(`unknown scenario; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  process.exit(2);
}
if (!existsSync(resolve(REPO_ROOT, 'dist', 'cli.js'))) {
  console.error('dist/cli.js is missing: run npm run build first');
  process.exit(2);
}

const lab = await labAcquire({});
const results: ScenarioResult[] = [];
try {
  for (const sc of list) {
    process.stderr.write(`… ${sc.id}: ${sc.fault}\n`);
    const r = await runScenario(lab, sc);
    results.push(r);
    process.stderr.write(`  ${r.problems.length ? 'UNEXPECTED' : 'ok'} (${(r.ms / 1000).toFixed(1)} s), data lost ${r.dataLost.count}\n`);
    if (verbose || r.problems.length || r.dataLost.count) {
      for (const p of [...r.problems, ...r.dataLost.what]) process.stderr.write(`    - ${p.split('\n').join('\n      ')}\n`);
    }
    // Keep the folders of a row that went wrong (and with --keep), to look at them.
    if (process.argv.includes('--keep') || r.problems.length || r.dataLost.count) process.stderr.write(`    files: ${r.user.root} ${r.user.dockerConfig}\n`);
    else await removeUser(r.user);
  }
} finally {
  await labRelease({ dir: lab.dir, keep: !!process.env.LAB_KEEP });
}

const rows = [
  ['fault injected', 'expected outcome', 'observed outcome', 'as expected', 'data lost'],
  ...results.map((r) => [r.scenario.fault, r.scenario.expected, r.observed, r.problems.length ? 'NO' : 'yes', String(r.dataLost.count)]),
];
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(rows[0]!));
console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
for (const row of rows.slice(1)) console.log(line(row));
const lost = results.reduce((n, r) => n + r.dataLost.count, 0);
const unexpected = results.filter((r) => r.problems.length).length;
console.log(`\n${results.length} scenarios, ${unexpected} not as expected, data lost in total: ${lost}`);
process.exit(lost || unexpected ? 1 : 0);
