import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The parts of a V8 CPU profile (`node --cpu-prof`) the summary reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  busyMs: number;
  /** Shares of the busy time, largest first. */
  shares: { where: string; percent: number }[];
}

/** Libraries named by what they do, so that a summary reads as the system's parts rather than as package names. */
function libraryOf(url: string): string | undefined {
  if (url.includes('node_modules/')) {
    const pkg = url.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1');
    if (pkg.startsWith('@smithy/') || pkg.startsWith('@aws-sdk/')) return 'AWS SDK';
    if (pkg === 'pg' || pkg.startsWith('pg-')) return 'pg';
    if (pkg.startsWith('pino') || pkg === 'sonic-boom' || pkg.startsWith('@pinojs/')) return 'logging';
    if (pkg === 'tsx') return 'tsx (compiling at start-up)';
    return pkg;
  }
  if (!url.startsWith('file://')) return undefined;
  if (url.includes('/events/src/')) return 'events (consumer, publisher, contracts)';
  if (url.includes('/services/kit/')) return 'kit';
  return 'service code';
}

/**
 * Where a process's busy CPU went. Each sample counts for the first library found walking up its stack from the
 * function that was running, so a socket write or read counts for `pg` or the AWS SDK that caused it, not for
 * Node's internals; samples with no library above them are the event loop's own work (timers, I/O callbacks).
 */
export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, index) => {
    const running = byId.get(id)!.callFrame.functionName;
    if (running === '(idle)') return;
    const micros = profile.timeDeltas[index] ?? 0;
    busy += micros;
    let where = running === '(garbage collector)' ? 'garbage collection' : running === '(program)' ? 'V8 (program)' : undefined;
    for (let current: number | undefined = id; !where && current !== undefined; current = parent.get(current)) where = libraryOf(byId.get(current)!.callFrame.url);
    where ??= 'event loop and I/O';
    totals.set(where, (totals.get(where) ?? 0) + micros);
  });
  const shares = [...totals]
    .sort(([, a], [, b]) => b - a)
    .map(([where, micros]) => ({ where, percent: Math.round((1000 * micros) / busy) / 10 }));
  return { busyMs: Math.round(busy / 1000), shares };
}

/** The summaries of the profiles in `dir` that the named processes wrote (`CPU.<date>.<time>.<pid>.<tid>.<n>.cpuprofile`). */
export function summarizeProfiles(dir: string, processes: Record<string, number | undefined>): Record<string, ProfileSummary> {
  const files = readdirSync(dir).filter((file) => file.endsWith('.cpuprofile'));
  const summaries: Record<string, ProfileSummary> = {};
  for (const [name, pid] of Object.entries(processes)) {
    const file = files.find((candidate) => candidate.split('.')[3] === String(pid));
    if (file) summaries[name] = summarizeProfile(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile);
  }
  return summaries;
}
