// The pipeline rehearsal: runs the deploy path of the Jenkinsfile and of .github/workflows/ci.yml, in their real
// order, against fake docker, aws, pulumi, npm and fnm commands (fakes.cjs) that log every call and refuse what
// the real ones would refuse. The fakes share one fake AWS account and Pulumi backend (the "world"), so a
// second run sees what the first one created.
//
// What a run models, from the files themselves:
//   Jenkinsfile  stages in order (parallel branches one after another), each stage's agent (what is on PATH
//                there, and whether a Docker daemon is reachable), `when`, the `input` approval (which must not
//                hold an executor), environment and credentials, and the steps sh, checkout, stash/unstash, lock,
//                milestone, withCredentials, withEnv, timeout, dir, script (checkout and env assignments).
//   ci.yml       jobs in `needs` order, `if:` expressions, matrix entries (one fresh runner each), environments
//                (`production` has required reviewers: the approval), `${{ }}` expressions, run steps under
//                bash -eo pipefail, and the actions checkout, setup-node, pulumi/actions (installs the CLI),
//                configure-aws-credentials (needs id-token: write), upload- and download-artifact.
// Anything else is an error, so the rehearsal never passes by skipping what it does not understand. The
// stages and jobs that only test (Jenkins 'Checks', GitHub 'test') are left out: npm test runs them itself.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { matchBracket, namedArgs, only, parseStatements, stringLiteral, type Statement } from './groovy';

const fakesScript = path.join(__dirname, 'fakes.cjs');

export type Tool = 'docker' | 'aws' | 'pulumi' | 'node' | 'npm' | 'fnm' | 'git';

export interface LogEntry {
  step: string;
  environment: string;
  tool: Tool;
  args: string[];
  cwd: string;
  status: 'ok' | 'failed' | 'exec';
  message?: string;
}

export interface WorldState {
  repositories: Record<string, { region: string; tags: Record<string, string> }>;
  stacks: Record<string, { config: Record<string, string>; outputs: Record<string, unknown>; updates: number; deployedImageTag?: string }>;
  approved: boolean;
}

export interface World {
  dir: string;
  worldFile: string;
  logFile: string;
  images: string[];
  machines: number;
}

/** A step that failed: where it ran and what it printed. */
export class RehearsalFailure extends Error {
  constructor(
    readonly where: string,
    readonly output: string,
  ) {
    super(`${where}\n${output}`);
  }
}

/** What a run did, in order: stages and jobs entered or skipped, approvals, milestones, locks, shell steps. */
export interface RunRecord {
  events: string[];
}

// ---------------------------------------------------------------- the world and its machines

export function createWorld(images: string[]): World {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-rehearsal-'));
  const world: World = { dir, worldFile: path.join(dir, 'world.json'), logFile: path.join(dir, 'calls.jsonl'), images, machines: 0 };
  fs.writeFileSync(world.worldFile, '{}\n');
  fs.writeFileSync(world.logFile, '');
  return world;
}

export const disposeWorld = (world: World) => fs.rmSync(world.dir, { recursive: true, force: true });

export function readWorld(world: World): WorldState {
  const state = JSON.parse(fs.readFileSync(world.worldFile, 'utf8')) as Partial<WorldState>;
  return { repositories: state.repositories ?? {}, stacks: state.stacks ?? {}, approved: state.approved ?? false };
}

export const readLog = (world: World): LogEntry[] =>
  fs
    .readFileSync(world.logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogEntry);

function updateWorld(world: World, change: (state: Record<string, unknown>) => void) {
  const state = JSON.parse(fs.readFileSync(world.worldFile, 'utf8')) as Record<string, unknown>;
  change(state);
  fs.writeFileSync(world.worldFile, `${JSON.stringify(state, null, 2)}\n`);
}

/** Each pipeline run starts unapproved; the approval step of that run sets it. */
const startRun = (world: World) => updateWorld(world, (state) => (state.approved = false));
const approve = (world: World) => updateWorld(world, (state) => (state.approved = true));

/** A machine (a Jenkins agent, a GitHub runner): its workspace, its Docker daemon's images, its HOME. */
interface Machine {
  name: string;
  workspace: string;
  hostFile: string;
  home: string;
}

function newMachine(world: World, name: string): Machine {
  world.machines += 1;
  const dir = path.join(world.dir, 'machines', `${world.machines}-${name.replace(/[^\w.-]+/g, '_')}`);
  const machine = { name, workspace: path.join(dir, 'workspace'), hostFile: path.join(dir, 'host.json'), home: path.join(dir, 'home') };
  fs.mkdirSync(machine.workspace, { recursive: true });
  fs.mkdirSync(machine.home, { recursive: true });
  return machine;
}

/** What is on PATH in a place where steps run, and whether a Docker daemon answers there. */
export interface Toolbox {
  label: string;
  tools: Tool[];
  daemon: boolean;
  fnmVersions?: string[];
}

/** The Jenkinsfile's header: the agents (label 'docker') have a Docker engine, the AWS CLI and the Pulumi CLI, and no Node.js. */
export const jenkinsAgent = (): Toolbox => ({ label: "agent label 'docker'", tools: ['docker', 'aws', 'pulumi', 'git'], daemon: true });
/** GitHub's ubuntu-24.04 runner image: Docker, the AWS CLI v2 and Node.js are installed; Pulumi is not. */
export const githubRunner = (): Toolbox => ({ label: 'runner ubuntu-24.04', tools: ['docker', 'aws', 'node', 'npm', 'git'], daemon: true });

/**
 * What a container image has. node:<version>: Node.js and npm, no docker, aws or pulumi. pulumi/pulumi:<version>
 * (pulumi-docker-containers, docker/pulumi/Dockerfile): the Pulumi CLI, the AWS CLI v2, the docker CLI, and Node.js
 * 22, 24 and 26 through fnm (26 by default). pulumi/pulumi-nodejs*: Pulumi and Node.js only.
 */
export function imageToolbox(image: string, dockerArgs: string): Toolbox {
  const daemon = /-v\s+\/var\/run\/docker\.sock:\/var\/run\/docker\.sock\b/.test(dockerArgs);
  if (/^node:/.test(image)) return { label: `container ${image}`, tools: ['node', 'npm', 'git'], daemon };
  if (/^pulumi\/pulumi:/.test(image)) return { label: `container ${image}`, tools: ['node', 'npm', 'fnm', 'pulumi', 'aws', 'docker', 'git'], daemon, fnmVersions: ['22', '24', '26'] };
  if (/^pulumi\/pulumi-nodejs/.test(image)) return { label: `container ${image}`, tools: ['node', 'npm', 'pulumi', 'git'], daemon };
  throw new Error(`the rehearsal does not know what the image ${image} contains: add it to imageToolbox()`);
}

const coreUtilities = ['sh', 'bash', 'env', 'cat', 'grep', 'sed', 'awk', 'cut', 'tr', 'sort', 'uniq', 'head', 'tail', 'mktemp', 'rm', 'mkdir', 'cp', 'mv', 'ls', 'dirname', 'basename', 'printf', 'echo', 'test', 'true', 'false', 'id', 'stat', 'chmod', 'tee', 'wc', 'gzip', 'gunzip', 'xargs', 'find', 'date', 'sleep', 'readlink', 'realpath', 'touch', 'tar'];

/** A directory with the fakes a toolbox has (and the real node, when it has node), plus the basic utilities. */
function pathFor(world: World, toolbox: Toolbox): string {
  const core = path.join(world.dir, 'bin', 'core');
  if (!fs.existsSync(core)) {
    fs.mkdirSync(core, { recursive: true });
    for (const utility of coreUtilities) {
      const real = ['/usr/bin', '/bin'].map((dir) => path.join(dir, utility)).find((candidate) => fs.existsSync(candidate));
      if (real) fs.symlinkSync(real, path.join(core, utility));
    }
  }
  const key = [...toolbox.tools].sort().join('-');
  const bin = path.join(world.dir, 'bin', key);
  if (!fs.existsSync(bin)) {
    fs.mkdirSync(bin, { recursive: true });
    for (const tool of toolbox.tools) {
      const command = tool === 'node' ? `exec "${process.execPath}" "$@"` : `exec "${process.execPath}" "${fakesScript}" ${tool} "$@"`;
      fs.writeFileSync(path.join(bin, tool), `#!/bin/sh\n${command}\n`, { mode: 0o755 });
    }
  }
  return `${bin}:${core}`;
}

interface Place {
  machine: Machine;
  toolbox: Toolbox;
}

function runShell(world: World, place: Place, options: { step: string; script: string; env: Record<string, string>; cwd?: string; shell: 'sh' | 'bash'; commit: string }): string {
  const shellArgs = options.shell === 'bash' ? ['--noprofile', '--norc', '-eo', 'pipefail', '-c', options.script] : ['-e', '-c', options.script];
  const result = spawnSync(options.shell === 'bash' ? '/bin/bash' : '/bin/sh', shellArgs, {
    cwd: path.join(place.machine.workspace, options.cwd ?? '.'),
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      LANG: 'C.UTF-8',
      ...options.env,
      PATH: pathFor(world, place.toolbox),
      HOME: place.machine.home,
      REHEARSAL_WORLD: world.worldFile,
      REHEARSAL_HOST: place.machine.hostFile,
      REHEARSAL_LOG: world.logFile,
      REHEARSAL_STEP: options.step,
      REHEARSAL_ENVIRONMENT: `${place.toolbox.label} on ${place.machine.name}`,
      REHEARSAL_DOCKER_DAEMON: place.toolbox.daemon ? '1' : '0',
      REHEARSAL_IMAGES: world.images.join(','),
      REHEARSAL_FNM_VERSIONS: (place.toolbox.fnmVersions ?? []).join(','),
      REHEARSAL_COMMIT: options.commit,
    },
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new RehearsalFailure(`${options.step}: exit ${result.status} in ${place.toolbox.label}`, `$ ${options.script.trim()}\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

export type { Machine };

/** A machine with a checkout of the deploy files, for running the fakes directly. */
export function checkedOutMachine(world: World, repoRoot: string): Machine {
  const machine = newMachine(world, 'direct');
  writeFiles(snapshot(repoRoot), machine.workspace);
  return machine;
}

/** Runs a bash script on a machine with the given toolbox: for checking the fakes themselves. */
export const runInToolbox = (world: World, machine: Machine, toolbox: Toolbox, script: string, env: Record<string, string> = {}): string =>
  runShell(world, { machine, toolbox }, { step: 'direct', script, env, shell: 'bash', commit: env.IMAGE_TAG ?? 'direct' });

/** Marks the current run approved, as the approval step of a pipeline does. */
export const approveRun = (world: World) => approve(world);

// ---------------------------------------------------------------- the repository as a checkout sees it

/** The files a deploy reads: the deploy scripts, verify-rollout and the Pulumi projects' settings. Overrides replace or add files. */
function snapshot(repoRoot: string, overrides: Record<string, string> = {}): Map<string, string> {
  const files = new Map<string, string>();
  const add = (relative: string) => files.set(relative, fs.readFileSync(path.join(repoRoot, relative), 'utf8'));
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(repoRoot, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(child);
      else add(child);
    }
  };
  walk('scripts/deploy');
  add('infra/scripts/verify-rollout.mjs');
  // The install steps check the lockfile (node scripts/ci/check-lockfile.mjs) before npm ci.
  walk('scripts/ci');
  add('package-lock.json');
  add('.nvmrc');
  for (const dir of ['infra', 'infra/registry']) {
    if (!fs.existsSync(path.join(repoRoot, dir))) continue;
    for (const name of fs.readdirSync(path.join(repoRoot, dir))) if (/^Pulumi(\.[\w-]+)?\.yaml$/.test(name)) add(path.join(dir, name));
  }
  for (const [relative, content] of Object.entries(overrides)) files.set(relative, content);
  return files;
}

function writeFiles(files: Map<string, string>, dir: string) {
  for (const [relative, content] of files) {
    const target = path.join(dir, relative);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content, { mode: relative.endsWith('.sh') ? 0o755 : 0o644 });
  }
}

/** The workspace's files, node_modules left out (a stash of sources). */
function readTree(dir: string, prefix = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = path.join(prefix, entry.name);
    if (entry.name === 'node_modules') continue;
    if (entry.isDirectory()) for (const [key, value] of readTree(dir, relative)) files.set(key, value);
    else files.set(relative, fs.readFileSync(path.join(dir, relative), 'utf8'));
  }
  return files;
}

// ---------------------------------------------------------------- Jenkinsfile

export interface JenkinsOptions {
  jenkinsfile: string;
  repoRoot: string;
  commit: string;
  /** A multibranch job sets BRANCH_NAME; a plain Pipeline job does not, and `when { branch }` never matches there. */
  job: 'multibranch' | 'pipeline';
  /** Stages that only test, left to npm test. */
  skipStages?: string[];
  overrides?: Record<string, string>;
}

interface AgentContext {
  place: Place | null;
}

export function rehearseJenkinsfile(world: World, options: JenkinsOptions): RunRecord {
  startRun(world);
  const record: RunRecord = { events: [] };
  const source = snapshot(options.repoRoot, options.overrides);
  const skip = options.skipStages ?? ['Checks'];
  const stashes = new Map<string, Map<string, string>>();
  const runEnv: Record<string, string> = options.job === 'multibranch' ? { BRANCH_NAME: 'main' } : {};

  const start = options.jenkinsfile.search(/^pipeline\s*\{/m);
  if (start < 0) throw new Error('the Jenkinsfile has no top-level pipeline { } block');
  const open = options.jenkinsfile.indexOf('{', start);
  const top = parseStatements(options.jenkinsfile.slice(open + 1, matchBracket(options.jenkinsfile, open)));
  Object.assign(runEnv, environmentOf(top));

  const allocate = (statement: Statement | undefined, parent: AgentContext): AgentContext => {
    if (!statement) return parent;
    if (statement.args === 'none') return { place: null };
    if (statement.args === 'any') return { place: { machine: newMachine(world, 'agent'), toolbox: jenkinsAgent() } };
    const inner = parseStatements(statement.body ?? '');
    const docker = only(inner, 'docker');
    if (docker) {
      const settings = parseStatements(docker.body ?? '');
      const image = docker.body === undefined ? stringLiteral(docker.args) : stringLiteral(only(settings, 'image')?.args ?? '');
      const dockerArgs = only(settings, 'args') ? stringLiteral(only(settings, 'args')!.args) : '';
      const reuse = only(settings, 'reuseNode')?.args === 'true' && parent.place !== null;
      const machine = reuse ? parent.place!.machine : newMachine(world, 'agent');
      if (!reuse && !jenkinsAgent().daemon) throw new Error('a docker agent needs a Docker engine on the agent');
      record.events.push(`agent ${image}${reuse ? ' (reuseNode)' : ''}`);
      return { place: { machine, toolbox: imageToolbox(image, dockerArgs) } };
    }
    if (only(inner, 'label') || only(inner, 'node')) {
      record.events.push(`agent ${statement.body?.trim()}`);
      return { place: { machine: newMachine(world, 'agent'), toolbox: jenkinsAgent() } };
    }
    throw new Error(`agent not understood at line ${statement.line}: ${statement.body ?? statement.args}`);
  };

  const evaluateWhen = (statement: Statement): boolean =>
    parseStatements(statement.body ?? '').every((condition) => {
      if (['beforeAgent', 'beforeInput', 'beforeOptions'].includes(condition.name)) return true;
      if (condition.name === 'branch') return options.job === 'multibranch' && stringLiteral(condition.args) === 'main';
      // onMainBranch() reads BRANCH_NAME (multibranch) or the checkout's GIT_BRANCH (plain job): true on main in both.
      if (condition.name === 'expression' && condition.body?.trim() === 'onMainBranch()') return true;
      throw new Error(`when condition not understood at line ${condition.line}: ${condition.name} ${condition.args}${condition.body ?? ''}`);
    });

  const runSteps = (statements: Statement[], context: { agent: AgentContext; env: Record<string, string>; stage: string; cwd: string }) => {
    const place = () => {
      if (!context.agent.place) throw new RehearsalFailure(`stage ${context.stage}`, 'a step that needs a workspace runs with no agent');
      return context.agent.place;
    };
    const sh = (script: string) => {
      record.events.push(`sh ${context.stage}: ${script.trim()}`);
      return runShell(world, place(), { step: context.stage, script, env: { ...runEnv, ...context.env }, cwd: context.cwd, shell: 'sh', commit: options.commit });
    };
    const checkout = () => {
      writeFiles(source, place().machine.workspace);
      record.events.push(`checkout ${context.stage}`);
      return { GIT_BRANCH: 'origin/main', GIT_COMMIT: options.commit };
    };
    const variables = new Map<string, Record<string, string>>();
    for (const statement of statements) {
      switch (statement.name) {
        case 'sh':
          sh(statement.args.startsWith('script:') ? String(namedArgs(statement.args).script) : stringLiteral(statement.args));
          break;
        case 'checkout':
          if (statement.args !== 'scm') throw new Error(`checkout ${statement.args} is not modelled`);
          checkout();
          break;
        case 'script':
          for (const inner of parseStatements(statement.body ?? '', statement.line)) {
            if (inner.name === 'checkout' && inner.args === 'scm') checkout();
            else if (inner.name === '=' && inner.args === 'checkout scm') variables.set(inner.target!, checkout());
            else if (inner.name === '=' && inner.target!.startsWith('env.')) {
              const name = inner.target!.slice(4);
              const shCall = /^sh\s*\(([\s\S]*)\)\s*\.trim\(\)$/.exec(inner.args);
              const field = /^(\w+)\.(\w+)$/.exec(inner.args);
              if (shCall && namedArgs(shCall[1]!).returnStdout === true) runEnv[name] = sh(String(namedArgs(shCall[1]!).script)).trim();
              else if (field && variables.has(field[1]!)) runEnv[name] = variables.get(field[1]!)![field[2]!] ?? '';
              else if (/^['"]/.test(inner.args)) runEnv[name] = stringLiteral(inner.args);
              else throw new Error(`script assignment not understood at line ${inner.line}: ${inner.target} = ${inner.args}`);
            } else throw new Error(`script statement not understood at line ${inner.line}: ${inner.name} ${inner.args}`);
          }
          break;
        case 'stash': {
          const settings = namedArgs(statement.args);
          stashes.set(String(settings.name), readTree(place().machine.workspace));
          record.events.push(`stash ${String(settings.name)}`);
          break;
        }
        case 'unstash': {
          const name = stringLiteral(statement.args);
          const files = stashes.get(name);
          if (!files) throw new RehearsalFailure(`stage ${context.stage}`, `no stash named ${name}`);
          writeFiles(files, place().machine.workspace);
          record.events.push(`unstash ${name}`);
          break;
        }
        case 'milestone':
          record.events.push(`milestone ${String(namedArgs(statement.args).ordinal ?? statement.args)}`);
          break;
        case 'lock':
          record.events.push(`lock ${String(namedArgs(statement.args).resource ?? stringLiteral(statement.args))}`);
          runSteps(parseStatements(statement.body ?? '', statement.line), context);
          break;
        case 'withCredentials': {
          if (statement.args.trim() !== '[awsDeployCredentials()]') throw new Error(`withCredentials ${statement.args} is not modelled`);
          const env = { ...context.env, AWS_ACCESS_KEY_ID: 'AKIAREHEARSAL', AWS_SECRET_ACCESS_KEY: 'rehearsal-secret' };
          runSteps(parseStatements(statement.body ?? '', statement.line), { ...context, env });
          break;
        }
        case 'withEnv': {
          const env = { ...context.env };
          for (const match of statement.args.matchAll(/["']([A-Z_][A-Z0-9_]*)=([^"']*)["']/g)) env[match[1]!] = match[2]!;
          runSteps(parseStatements(statement.body ?? '', statement.line), { ...context, env });
          break;
        }
        case 'timeout':
          runSteps(parseStatements(statement.body ?? '', statement.line), context);
          break;
        case 'dir':
          runSteps(parseStatements(statement.body ?? '', statement.line), { ...context, cwd: path.join(context.cwd, stringLiteral(statement.args)) });
          break;
        case 'input':
          if (context.agent.place) throw new RehearsalFailure(`stage ${context.stage}`, `the approval waits while holding an executor (${context.agent.place.toolbox.label})`);
          approve(world);
          record.events.push(`approval ${context.stage}`);
          break;
        case 'echo':
        case 'archiveArtifacts':
          break;
        default:
          throw new Error(`step ${statement.name} (line ${statement.line}) is not modelled by the rehearsal`);
      }
    }
  };

  const runStage = (statement: Statement, parent: AgentContext, parentEnv: Record<string, string>) => {
    if (statement.name !== 'stage') throw new Error(`expected a stage at line ${statement.line}, found ${statement.name}`);
    const name = stringLiteral(statement.args);
    const body = parseStatements(statement.body ?? '', statement.line);
    if (skip.includes(name)) {
      record.events.push(`not rehearsed ${name}`);
      return;
    }
    const when = only(body, 'when');
    if (when && !evaluateWhen(when)) {
      record.events.push(`skipped ${name}`);
      return;
    }
    const agentStatement = only(body, 'agent');
    const input = only(body, 'input');
    if (input) {
      const holder = agentStatement ? (agentStatement.args === 'none' ? null : 'its own agent') : parent.place?.toolbox.label;
      if (holder) throw new RehearsalFailure(`stage ${name}`, `the approval waits while holding an executor (${holder})`);
      approve(world);
      record.events.push(`approval ${name}`);
    }
    const agent = allocate(agentStatement, parent);
    const env = { ...parentEnv, ...environmentOf(body) };
    record.events.push(`stage ${name}`);
    const steps = only(body, 'steps');
    if (steps) runSteps(parseStatements(steps.body ?? '', steps.line), { agent, env, stage: name, cwd: '.' });
    for (const nested of ['stages', 'parallel']) {
      const block = only(body, nested);
      if (block) for (const child of parseStatements(block.body ?? '', block.line)) runStage(child, agent, env);
    }
  };

  const root = allocate(only(top, 'agent'), { place: null });
  const stages = only(top, 'stages');
  if (!stages) throw new Error('the pipeline has no stages');
  for (const statement of parseStatements(stages.body ?? '', stages.line)) runStage(statement, root, {});
  return record;
}

/** `environment { NAME = 'value' | credentials('id') }` of a block's statements. */
function environmentOf(statements: Statement[]): Record<string, string> {
  const block = only(statements, 'environment');
  const env: Record<string, string> = {};
  if (!block) return env;
  for (const statement of parseStatements(block.body ?? '', block.line)) {
    if (statement.name !== '=') throw new Error(`environment entry not understood at line ${statement.line}`);
    const credential = /^credentials\(\s*'([^']+)'\s*\)$/.exec(statement.args);
    env[statement.target!] = credential ? `rehearsal-credential-${credential[1]}` : stringLiteral(statement.args);
  }
  return env;
}

// ---------------------------------------------------------------- GitHub Actions expressions

type Value = string | number | boolean | null | undefined | Record<string, unknown>;

/** Evaluates a GitHub Actions expression (the subset: literals, contexts, ==, !=, &&, ||, !, (), a few functions). */
export function evaluate(expression: string, contexts: Record<string, unknown>): Value {
  const tokens: string[] = [];
  const tokenPattern = /\s*('(?:[^']|'')*'|==|!=|&&|\|\||[!(),]|[A-Za-z_][\w-]*(?:\.[\w-]+)*|\d+(?:\.\d+)?)\s*/y;
  const text = expression.trim();
  while (tokenPattern.lastIndex < text.length) {
    const start = tokenPattern.lastIndex;
    const match = tokenPattern.exec(text);
    if (!match || tokenPattern.lastIndex === start) throw new Error(`expression not understood at "${text.slice(start)}": ${expression}`);
    tokens.push(match[1]!);
  }
  let position = 0;
  const peek = () => tokens[position];
  const next = () => tokens[position++];
  const truthy = (value: Value) => Boolean(value) && value !== '';
  const functions: Record<string, (...values: Value[]) => Value> = {
    always: () => true,
    success: () => true,
    failure: () => false,
    cancelled: () => false,
    contains: (haystack, needle) => String(haystack ?? '').toLowerCase().includes(String(needle ?? '').toLowerCase()),
    startsWith: (text, prefix) => String(text ?? '').toLowerCase().startsWith(String(prefix ?? '').toLowerCase()),
  };
  const primary = (): Value => {
    const token = next();
    if (token === undefined) throw new Error(`expression ends early: ${expression}`);
    if (token === '(') {
      const value = or();
      if (next() !== ')') throw new Error(`missing ) in ${expression}`);
      return value;
    }
    if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
    if (/^\d/.test(token)) return Number(token);
    if (token === 'true' || token === 'false') return token === 'true';
    if (token === 'null') return null;
    if (peek() === '(') {
      next();
      const values: Value[] = [];
      while (peek() !== ')') {
        values.push(or());
        if (peek() === ',') next();
      }
      next();
      const fn = functions[token];
      if (!fn) throw new Error(`function ${token}() is not modelled`);
      return fn(...values);
    }
    const [head, ...rest] = token.split('.');
    if (!(head! in contexts)) throw new Error(`context ${head} is not modelled (in ${expression})`);
    let value: unknown = contexts[head!];
    for (const part of rest) value = (value as Record<string, unknown> | undefined)?.[part];
    return value as Value;
  };
  const comparison = (): Value => {
    const left = primary();
    if (peek() === '==' || peek() === '!=') {
      const operator = next();
      const right = primary();
      const equal = String(left ?? '').toLowerCase() === String(right ?? '').toLowerCase();
      return operator === '==' ? equal : !equal;
    }
    return left;
  };
  const unary = (): Value => {
    if (peek() === '!') {
      next();
      return !truthy(unary());
    }
    return comparison();
  };
  const and = (): Value => {
    let value = unary();
    while (peek() === '&&') {
      next();
      const right = unary();
      value = truthy(value) ? right : value;
    }
    return value;
  };
  const or = (): Value => {
    let value = and();
    while (peek() === '||') {
      next();
      const right = and();
      value = truthy(value) ? value : right;
    }
    return value;
  };
  const value = or();
  if (position !== tokens.length) throw new Error(`expression not understood: ${expression}`);
  return value;
}

/** `${{ expression }}` replaced in a string. */
export const substitute = (text: string, contexts: Record<string, unknown>): string =>
  text.replace(/\$\{\{\s*([\s\S]*?)\s*\}\}/g, (_, expression: string) => {
    const value = evaluate(expression, contexts);
    return value === undefined || value === null ? '' : String(value);
  });

const condition = (text: string | boolean | undefined, contexts: Record<string, unknown>) => {
  if (text === undefined) return true;
  if (typeof text === 'boolean') return text;
  const expression = text.trim().replace(/^\$\{\{\s*([\s\S]*?)\s*\}\}$/, '$1');
  const value = evaluate(expression, contexts);
  return Boolean(value) && value !== '';
};

// ---------------------------------------------------------------- GitHub workflow

export interface WorkflowOptions {
  workflow: string;
  repoRoot: string;
  commit: string;
  /** Jobs that only test, left to npm test. */
  skipJobs?: string[];
  /** Environments with required reviewers (repository settings, not in the file). */
  reviewedEnvironments?: string[];
  overrides?: Record<string, string>;
}

interface WorkflowStep {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
  if?: string | boolean;
  'working-directory'?: string;
}

interface WorkflowJob {
  needs?: string | string[];
  if?: string | boolean;
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  strategy?: { matrix?: { include?: Record<string, string>[] } };
  steps: WorkflowStep[];
}

export function rehearseWorkflow(world: World, options: WorkflowOptions): RunRecord {
  startRun(world);
  const record: RunRecord = { events: [] };
  const source = snapshot(options.repoRoot, options.overrides);
  const workflow = parse(options.workflow) as { name?: string; env?: Record<string, string>; jobs: Record<string, WorkflowJob> };
  const skipJobs = options.skipJobs ?? ['test'];
  const reviewed = options.reviewedEnvironments ?? ['production'];
  const artifacts = path.join(world.dir, 'artifacts', String(Date.now()));
  const github = { sha: options.commit, ref: 'refs/heads/main', ref_name: 'main', event_name: 'push', workflow: workflow.name ?? 'ci', run_id: '4242', repository: 'example/bookstore' };
  const secrets = new Proxy({}, { get: (_, name) => `rehearsal-secret-${String(name)}`, has: () => true });
  const vars = new Proxy({}, { get: (_, name) => `rehearsal-var-${String(name)}`, has: () => true });

  const results = new Map<string, 'success' | 'skipped'>();
  const pending = Object.keys(workflow.jobs);
  while (pending.length > 0) {
    const index = pending.findIndex((id) => [workflow.jobs[id]!.needs ?? []].flat().every((need) => results.has(need)));
    if (index < 0) throw new Error(`jobs with unmet needs: ${pending.join(', ')}`);
    const id = pending.splice(index, 1)[0]!;
    const job = workflow.jobs[id]!;
    const needs = [job.needs ?? []].flat();
    if (skipJobs.includes(id)) {
      record.events.push(`not rehearsed ${id}`);
      results.set(id, 'success');
      continue;
    }
    const baseContexts = { github, secrets, vars, needs: Object.fromEntries(needs.map((need) => [need, { result: results.get(need) }])) };
    if (needs.some((need) => results.get(need) !== 'success') || !condition(job.if, baseContexts)) {
      record.events.push(`skipped ${id}`);
      results.set(id, 'skipped');
      continue;
    }
    const environment = typeof job.environment === 'string' ? job.environment : job.environment?.name;
    if (environment && reviewed.includes(environment)) {
      approve(world);
      record.events.push(`approval ${id} (environment ${environment})`);
    }
    for (const matrix of job.strategy?.matrix?.include ?? [{}]) {
      const label = Object.keys(matrix).length > 0 ? `${id} (${Object.values(matrix).filter(Boolean).join(', ')})` : id;
      record.events.push(`job ${label}`);
      const place: Place = { machine: newMachine(world, id), toolbox: githubRunner() };
      const stepOutputs: Record<string, { outputs: Record<string, string> }> = {};
      const contexts: Record<string, unknown> = { ...baseContexts, matrix, env: {}, steps: stepOutputs };
      const env: Record<string, string> = {};
      for (const layer of [workflow.env ?? {}, job.env ?? {}]) {
        for (const [key, value] of Object.entries(layer)) env[key] = substitute(String(value), { ...contexts, env });
      }
      contexts.env = env;
      for (const step of job.steps) {
        const stepName = `${label}: ${step.name ?? step.uses ?? step.run?.split('\n')[0]}`;
        if (!condition(step.if, contexts)) {
          record.events.push(`skipped step ${stepName}`);
          continue;
        }
        const stepEnv = { ...env };
        for (const [key, value] of Object.entries(step.env ?? {})) stepEnv[key] = substitute(String(value), contexts);
        const inputs = Object.fromEntries(Object.entries(step.with ?? {}).map(([key, value]) => [key, substitute(String(value), contexts)]));
        if (step.run !== undefined) {
          record.events.push(`run ${stepName}`);
          runShell(world, place, { step: stepName, script: substitute(step.run, contexts), env: stepEnv, cwd: step['working-directory'], shell: 'bash', commit: options.commit });
          continue;
        }
        const action = (step.uses ?? '').replace(/@.*$/, '');
        record.events.push(`uses ${stepName}`);
        switch (action) {
          case 'actions/checkout':
            writeFiles(source, place.machine.workspace);
            break;
          case 'actions/setup-node':
            if (!place.toolbox.tools.includes('node')) place.toolbox = { ...place.toolbox, tools: [...place.toolbox.tools, 'node', 'npm'] };
            break;
          case 'pulumi/actions': {
            if (inputs.command) throw new Error('pulumi/actions with a command is not modelled: deploy through scripts/deploy/deploy.sh');
            const file = inputs['pulumi-version-file'];
            const version = file ? fs.readFileSync(path.join(place.machine.workspace, file), 'utf8').trim() : inputs['pulumi-version'];
            record.events.push(`pulumi CLI ${version ?? '(unpinned)'}`);
            place.toolbox = { ...place.toolbox, tools: [...place.toolbox.tools, 'pulumi'] };
            break;
          }
          case 'aws-actions/configure-aws-credentials':
            if (job.permissions?.['id-token'] !== 'write') throw new RehearsalFailure(stepName, 'OIDC credentials need `permissions: id-token: write` on the job');
            if (!inputs['role-to-assume']) throw new RehearsalFailure(stepName, 'no role-to-assume');
            Object.assign(env, { AWS_ACCESS_KEY_ID: 'ASIAREHEARSAL', AWS_SECRET_ACCESS_KEY: 'rehearsal-secret', AWS_SESSION_TOKEN: 'rehearsal-session', AWS_REGION: inputs['aws-region'] ?? '', AWS_DEFAULT_REGION: inputs['aws-region'] ?? '' });
            record.events.push(`aws credentials for ${inputs['role-duration-seconds'] ?? 3600} s`);
            break;
          case 'aws-actions/amazon-ecr-login': {
            // Logs docker in to the account's registry and outputs it (steps.<id>.outputs.registry).
            const region = env.AWS_REGION ?? '';
            const registry = `123456789012.dkr.ecr.${region}.amazonaws.com`;
            runShell(world, place, { step: stepName, script: `aws ecr get-login-password --region "${region}" | docker login --username AWS --password-stdin ${registry}`, env, shell: 'bash', commit: options.commit });
            if (step.id) stepOutputs[step.id] = { outputs: { registry } };
            break;
          }
          case 'actions/upload-artifact': {
            const target = path.join(artifacts, inputs.name ?? 'artifact');
            fs.mkdirSync(target, { recursive: true });
            const sourcePath = path.join(place.machine.workspace, inputs.path ?? '');
            if (!fs.existsSync(sourcePath)) {
              if ((inputs['if-no-files-found'] ?? 'warn') === 'error') throw new RehearsalFailure(stepName, `no files found at ${inputs.path}`);
              break;
            }
            fs.cpSync(sourcePath, path.join(target, fs.statSync(sourcePath).isDirectory() ? '' : path.basename(sourcePath)), { recursive: true });
            break;
          }
          case 'actions/download-artifact': {
            const pattern = new RegExp(`^${(inputs.pattern ?? inputs.name ?? '*').replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
            const names = fs.existsSync(artifacts) ? fs.readdirSync(artifacts).filter((name) => pattern.test(name)) : [];
            if (names.length === 0) throw new RehearsalFailure(stepName, `no artifact matches ${inputs.pattern ?? inputs.name}`);
            for (const name of names) {
              const target = path.join(place.machine.workspace, inputs.path ?? '.', inputs['merge-multiple'] === 'true' || inputs.name ? '' : name);
              fs.mkdirSync(target, { recursive: true });
              fs.cpSync(path.join(artifacts, name), target, { recursive: true });
            }
            break;
          }
          default:
            throw new Error(`the action ${step.uses} is not modelled by the rehearsal`);
        }
      }
    }
    results.set(id, 'success');
  }
  return record;
}
