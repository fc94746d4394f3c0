// `npm test`: runs every test once (jest for the services, infra and browser tests; Vitest for the
// frontend's components; then the Lighthouse test alone, since its performance score follows whatever else
// shares the cores) and ends with the plain `N passed, N failed` line CI reads.
// Extra arguments go to jest, which then runs whatever they select, Lighthouse included (`npm test -- saga`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';

mkdirSync('reports', { recursive: true });
// The AWS SDK warns once per process that it will need Node 22 from 2027; README.md says so once instead.
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env };
const selection = process.argv.slice(2);
const lighthouse = 'frontend/e2e/lighthouse.e2e.test.ts';
const runs = [
  { name: 'jest', report: 'reports/jest.json', command: ['jest', '--json', '--outputFile=reports/jest.json', ...(selection.length ? selection : ['--testPathIgnorePatterns=/node_modules/', `--testPathIgnorePatterns=${lighthouse}`])], cwd: '.' },
  { name: 'vitest', report: 'reports/vitest.json', command: ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=../reports/vitest.json'], cwd: 'frontend' },
  ...(selection.length ? [] : [{ name: 'lighthouse', report: 'reports/jest-lighthouse.json', command: ['jest', '--json', '--outputFile=reports/jest-lighthouse.json', lighthouse], cwd: '.' }]),
];

let passed = 0;
let failed = 0;
let status = 0;
for (const run of runs) {
  rmSync(run.report, { force: true });
  const result = spawnSync('npx', run.command, { stdio: 'inherit', env, cwd: run.cwd });
  try {
    const summary = JSON.parse(readFileSync(run.report, 'utf8'));
    passed += summary.numPassedTests;
    failed += summary.numFailedTests;
  } catch {
    console.error(`${run.name} wrote no report`);
    failed += 1;
  }
  status ||= result.status ?? 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(status);
