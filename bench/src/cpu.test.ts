import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpuSecondsOfTrees, startCpuMeter } from './cpu';

/** Node code that keeps a core busy for `ms`. */
const burn = (ms: number) => `const end = Date.now() + ${ms}; while (Date.now() < end);`;

describe('the CPU of a process tree, from /proc', () => {
  it('counts a child that is still running and a grandchild that has already been reaped', async () => {
    // The child burns 300 ms itself, after a grandchild that burnt 300 ms and was reaped (its time is in the child's cutime).
    const script = `require('node:child_process').spawnSync(process.execPath, ['-e', ${JSON.stringify(burn(300))}]); ${burn(300)} setTimeout(() => {}, 10_000);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    try {
      const meter = startCpuMeter(() => ({ child: child.pid }));
      await new Promise((resolve) => setTimeout(resolve, 1_500));
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
