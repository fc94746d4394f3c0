// `npm test`: runs every test once and ends with the plain `N passed, N failed` line CI reads.
// Extra arguments go to jest (for example `npm test -- saga`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

mkdirSync('reports', { recursive: true });
const report = 'reports/jest.json';
// The AWS SDK warns once per process that it will need Node 22 from 2027; README.md says so once instead.
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env };
const jest = spawnSync('npx', ['jest', '--json', `--outputFile=${report}`, ...process.argv.slice(2)], { stdio: 'inherit', env });
let summary;
try {
  summary = JSON.parse(readFileSync(report, 'utf8'));
} catch {
  console.error('jest wrote no report');
  process.exit(jest.status || 1);
}
console.log(`${summary.numPassedTests} passed, ${summary.numFailedTests} failed`);
process.exit(jest.status ?? 1);
