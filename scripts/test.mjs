// `npm test`: runs every test once and ends with the plain `N passed, N failed` line CI reads.
// Extra arguments go to jest (for example `npm test -- saga`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

mkdirSync('reports', { recursive: true });
const report = 'reports/jest.json';
const jest = spawnSync('npx', ['jest', '--json', `--outputFile=${report}`, ...process.argv.slice(2)], { stdio: 'inherit' });
let summary;
try {
  summary = JSON.parse(readFileSync(report, 'utf8'));
} catch {
  console.error('jest wrote no report');
  process.exit(jest.status || 1);
}
console.log(`${summary.numPassedTests} passed, ${summary.numFailedTests} failed`);
process.exit(jest.status ?? 1);
