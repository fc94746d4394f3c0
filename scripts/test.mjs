// `npm test`: runs every test once (jest for the services, infra and browser tests; Vitest for the
// frontend's components) and ends with the plain `N passed, N failed` line CI reads.
// Extra arguments go to jest (for example `npm test -- saga`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';

mkdirSync('reports', { recursive: true });
// The AWS SDK warns once per process that it will need Node 22 from 2027; README.md says so once instead.
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env };
const runs = [
  { name: 'jest', report: 'reports/jest.json', command: ['jest', '--json', '--outputFile=reports/jest.json', ...process.argv.slice(2)], cwd: '.' },
  { name: 'vitest', report: 'reports/vitest.json', command: ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=../reports/vitest.json'], cwd: 'frontend' },
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
