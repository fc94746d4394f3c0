import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpuSecondsOfTrees, startCpuMeter } from './cpu';

/**
 * Node code that uses `ms` of CPU. Counted in CPU time, not wall time: on a loaded machine a loop that watched the
 * clock would be descheduled part of the time and burn less than it says.
 */
const burn = (ms: number) => `{ const start = process.cpuUsage(); for (let used = 0; used < ${ms * 1000}; ) { const { user, system } = process.cpuUsage(start); used = user + system; } }`;

describe('the CPU of a process tree, from /proc', () => {
  it('counts a child that is still running and a grandchild that has already been reaped', async () => {
    // The child burns 300 ms itself, after a grandchild that burnt 300 ms and was reaped (its time is in the child's cutime).
    // It says `burnt` once both are done, so a slow machine gets all the time it needs.
    const script = `require('node:child_process').spawnSync(process.execPath, ['-e', ${JSON.stringify(burn(300))}]); ${burn(300)} process.stdout.write('burnt'); setTimeout(() => {}, 10_000);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const meter = startCpuMeter(() => ({ child: child.pid }));
      await once(child.stdout!, 'data');
      const { cpuSeconds, wallSeconds } = meter.stop();
      expect(cpuSeconds).toBeGreaterThanOrEqual(0.55);
      expect(cpuSeconds).toBeLessThan(wallSeconds + 0.5);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit').catch(() => undefined);
    }
  });

  it('counts nothing for a process that does not exist', () => {
    expect(cpuSecondsOfTrees([2 ** 22 + 12_345])).toBe(0);
  });
});
