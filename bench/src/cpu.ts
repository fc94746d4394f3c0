import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mapValues } from './stats';

/** The unit of the CPU times in /proc/<pid>/stat. */
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

interface ProcessTimes {
  parent: number;
  /** CPU ticks of the process itself (user + system) and of its children it has reaped (cutime + cstime). */
  ticks: number;
}

/** One process's times; undefined when it is gone. Fields counted after the command name, which may hold spaces. */
function timesOf(pid: number): ProcessTimes | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // From field 3 (state): 4 ppid, 14 utime, 15 stime, 16 cutime, 17 cstime (proc(5)).
  const [parent, utime, stime, cutime, cstime] = [fields[1], fields[11], fields[12], fields[13], fields[14]].map(Number);
  return { parent: parent!, ticks: utime! + stime! + cutime! + cstime! };
}

/**
 * CPU seconds used so far by the process trees rooted at `roots`: every live process in them, plus what the ones
 * already gone used (a reaped child's time is in its parent's cutime/cstime). PostgreSQL's backends, say, are
 * counted under the postmaster, whether they are still connected or not.
 */
export function cpuSecondsOfTrees(roots: number[]): number {
  const all = new Map<number, ProcessTimes>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const times = timesOf(pid);
    if (times) all.set(pid, times);
  }
  const children = new Map<number, number[]>();
  for (const [pid, { parent }] of all) children.set(parent, [...(children.get(parent) ?? []), pid]);
  let ticks = 0;
  const pending = roots.filter((pid) => all.has(pid));
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    ticks += all.get(pid)!.ticks;
    pending.push(...(children.get(pid) ?? []));
  }
  return ticks / ticksPerSecond;
}

/**
 * CPU seconds each named process tree uses from now until `stop()`, their total and the wall time it took.
 * `processes` is asked at both ends; a name without a process counts nothing.
 */
export function startCpuMeter(processes: () => Record<string, number | undefined>): {
  stop(): { cpuSeconds: number; wallSeconds: number; byProcess: Record<string, number> };
} {
  const read = () => mapValues(processes(), (pid) => (pid === undefined ? 0 : cpuSecondsOfTrees([pid])));
  const atStart = read();
  const wallAtStart = performance.now();
  return {
    stop: () => {
      const atEnd = read();
      const byProcess = Object.fromEntries(Object.entries(atEnd).map(([name, seconds]) => [name, seconds - (atStart[name] ?? 0)]));
      const cpuSeconds = Object.values(byProcess).reduce((sum, seconds) => sum + seconds, 0);
      return { cpuSeconds, wallSeconds: (performance.now() - wallAtStart) / 1000, byProcess };
    },
  };
}
