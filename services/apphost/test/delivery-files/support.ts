import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** The checks of the delivery files: Dockerfiles, docker-compose.yml, the pipelines, localstack/. */
export const repoRoot = path.resolve(__dirname, '../../../..');

export const readRepoFile = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');

/** YAML as compose reads it: with `<<` merge keys. */
export const readYaml = <T = any>(file: string): T => parse(readRepoFile(file), { merge: true }) as T;

/**
 * Runs a tool from the repository root. A tool that is not installed fails the test with how to install it:
 * these checks are part of CI, so a missing tool must never pass silently.
 */
export function runTool(command: string, args: string[], { install, timeoutMs = 60_000 }: { install: string; timeoutMs?: number }): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd: repoRoot, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error(`${command} is not installed: ${install}`);
  }
  if (result.error) throw result.error;
  return result;
}

/** `npx --no-install <bin>`: a devDependency of the root package, never downloaded on the fly. */
export function runNpx(bin: string, args: string[], timeoutMs = 60_000): SpawnSyncReturns<string> {
  return runTool('npx', ['--no-install', bin, ...args], { install: 'run `npm install` at the repository root', timeoutMs });
}

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  from: string;
  alias?: string;
  instructions: Instruction[];
}

/** A Dockerfile's instructions, continuation lines joined and comments dropped, grouped by stage. */
export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) return;
    if (pending && line.startsWith('#')) return;
    if (!pending) startLine = index + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = `${pending}${line}`.trim();
    pending = '';
    const match = /^(\S+)\s*(.*)$/.exec(full)!;
    instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!, line: startLine });
  });
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image, as, alias] = instruction.args.split(/\s+/).filter((part) => !part.startsWith('--'));
      stages.push({ from: image!, alias: as?.toUpperCase() === 'AS' ? alias : undefined, instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return stages;
}

/** The arguments of an exec-form (JSON array) instruction; fails for the shell form. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) throw new Error(`not an exec form: ${args}`);
  return parsed;
}
