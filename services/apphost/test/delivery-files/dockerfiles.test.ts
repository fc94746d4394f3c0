import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import pg from 'pg';
import { frontend, healthPaths, serviceNames, services } from '@bookstore/kit/platform';
import { execForm, parseDockerfile, readRepoFile, repoRoot, runNpx, runTool, type Stage } from './support';

const dockerfiles = ['services/Dockerfile', 'frontend/Dockerfile'];

/** A base image with a full version in its tag (node:24.19.0-bookworm-slim), never `latest` or a bare major. */
const pinned = /^[a-z0-9./-]+:\d+\.\d+\.\d+(-[a-z0-9.-]+)?(@sha256:[0-9a-f]{64})?$/;

const stagesOf = (file: string) => parseDockerfile(readRepoFile(file));
const finalStage = (stages: Stage[]) => stages.at(-1)!;
const all = (stage: Stage, keyword: string) => stage.instructions.filter((instruction) => instruction.keyword === keyword);
const one = (stage: Stage, keyword: string) => {
  const found = all(stage, keyword);
  if (found.length !== 1) throw new Error(`expected one ${keyword} in the ${stage.alias ?? stage.from} stage, found ${found.length}`);
  return found[0]!.args;
};
/** HEALTHCHECK [options] CMD [...]: the command, which must be in exec form. */
const healthcheckCommand = (args: string) => execForm(args.replace(/^(--\S+\s+)*CMD\s+/, ''));

describe.each(dockerfiles)('%s', (file) => {
  const stages = stagesOf(file);

  it('lints clean with dockerfile-utils', () => {
    const result = runNpx('dockerfile-utils', ['lint', file]);
    expect({ status: result.status, problems: result.stdout.trim() }).toEqual({ status: 0, problems: '' });
  });

  it('is multi-stage, from pinned base images with a full version', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const aliases = new Set<string>();
    for (const stage of stages) {
      if (!aliases.has(stage.from)) expect(stage.from).toMatch(pinned);
      if (stage.alias) aliases.add(stage.alias);
    }
  });

  it('runs as a non-root user with a health check on /healthz, in exec form', () => {
    const last = finalStage(stages);
    const user = all(last, 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const check = healthcheckCommand(one(last, 'HEALTHCHECK')).join(' ');
    expect(check).toContain(healthPaths.live);
    expect(check).toContain('127.0.0.1');
  });

  it('installs from the lockfile (npm ci) and leaves npm out of the final stage', () => {
    const runs = stages.flatMap((stage) => all(stage, 'RUN').map(({ args }) => args));
    expect(runs.some((run) => run.startsWith('npm ci '))).toBe(true);
    expect(all(finalStage(stages), 'RUN').map(({ args }) => args).filter((run) => /\bnpm (ci|install)\b/.test(run))).toEqual([]);
    expect(all(stages[0]!, 'COPY').map(({ args }) => args)).toContainEqual(expect.stringMatching(/^package\.json package-lock\.json \.\/$/));
  });

  it('installs with npm ci only, never falling back to npm install (which would re-resolve a stale lockfile)', () => {
    const installs = stages.flatMap((stage) => all(stage, 'RUN').map(({ args }) => args)).filter((run) => /\bnpm (ci|install|i)\b/.test(run));
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) expect(install).not.toMatch(/\bnpm (install|i)\b|\|\|/);
  });
});

describe('services/Dockerfile', () => {
  const stages = stagesOf('services/Dockerfile');
  const last = finalStage(stages);

  it('is one image recipe for every service, chosen by ARG SERVICE, and says why', () => {
    for (const stage of stages) expect(all(stage, 'ARG').map(({ args }) => args)).toContain('SERVICE');
    expect(readRepoFile('services/Dockerfile')).toMatch(/One file serves all three[\s\S]*services\/kit/);
    for (const name of serviceNames) {
      expect(existsSync(path.join(repoRoot, 'services', name, 'src/main.ts'))).toBe(true);
      expect(existsSync(path.join(repoRoot, 'services', name, 'prisma/schema.prisma'))).toBe(true);
    }
  });

  it('uses a current Node LTS on bookworm-slim', () => {
    for (const stage of stages) expect(stage.from).toMatch(/^node:24\.\d+\.\d+-bookworm-slim$/);
  });

  it("generates the service's Prisma client without the schema engine", () => {
    const runs = stages.flatMap((stage) => all(stage, 'RUN').map(({ args }) => args));
    expect(runs).toContainEqual(expect.stringMatching(/PRISMA_SCHEMA_ENGINE_BINARY=\S+ .*prisma generate --schema services\/\$\{SERVICE\}\/prisma\/schema\.prisma/));
    // Generated before the compile, which bundles it into dist/main.cjs.
    const build = all(stages.find((stage) => stage.alias === 'build')!, 'RUN').map(({ args }) => args);
    const generate = build.findIndex((run) => run.includes('prisma generate'));
    expect(generate).toBeGreaterThanOrEqual(0);
    expect(build.indexOf('node services/build.mjs "${SERVICE}"')).toBeGreaterThan(generate);
  });

  it('copies only production dependencies into the final stage', () => {
    const from = all(last, 'COPY')
      .map(({ args }) => /^--from=(\S+) \S*node_modules /.exec(args)?.[1])
      .filter(Boolean);
    expect(from).toHaveLength(1);
    const source = stages.find((stage) => stage.alias === from[0])!;
    const installs = all(source, 'RUN').map(({ args }) => args).filter((run) => /\bnpm (ci|install)\b/.test(run));
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) {
      for (const command of install.split('||')) expect(command).toMatch(/^\s*npm (ci|install) --omit=dev /);
    }
  });

  it('compiles the service in the build stage with services/build.mjs; the final stage takes its output, no sources', () => {
    const build = stages.find((stage) => stage.alias === 'build')!;
    expect(all(build, 'RUN').map(({ args }) => args)).toContain('node services/build.mjs "${SERVICE}"');
    const copies = all(last, 'COPY').map(({ args }) => args);
    expect(copies).toContain('--from=build /app/services/${SERVICE}/dist ./dist');
    // From the build context only the migrations (SQL), which `migrate` finds at dist/../prisma/migrations.
    expect(copies.filter((args) => !args.startsWith('--from='))).toEqual(['services/${SERVICE}/prisma/migrations ./prisma/migrations']);
  });

  it('runs compiled JavaScript with node as PID 1: no tsx or TypeScript at run time, the role as its command, all by default', () => {
    expect(execForm(one(last, 'ENTRYPOINT'))).toEqual(['node', '--enable-source-maps', '/app/dist/main.cjs']);
    expect(execForm(one(last, 'CMD'))).toEqual(['all']);
    expect(all(last, 'ENV').map(({ args }) => args).join(' ')).toContain('SERVICE=${SERVICE}');
    for (const { keyword, args } of last.instructions) expect(`${keyword} ${args}`).not.toMatch(/\btsx\b|\.ts\b|typescript/);
  });

  it('installs the production dependencies with npm ci only; tsx, esbuild and TypeScript are not among them', () => {
    const dependencies = stages.find((stage) => stage.alias === 'production-dependencies')!;
    const install = all(dependencies, 'RUN').map(({ args }) => args).find((run) => /\bnpm (ci|install)\b/.test(run))!;
    const workspaces = [...install.matchAll(/-w (\S+)/g)].map((match) => match[1]!.replace('${SERVICE}', '*'));
    expect(workspaces).toEqual(['events', 'services/kit', 'services/*']);
    // What `npm ci --omit=dev --legacy-peer-deps -w ...` installs: the workspaces' dependencies and everything they
    // depend on in turn (optional ones too, peers not), resolved in the lockfile as npm does (nearest node_modules).
    const lock = JSON.parse(readRepoFile('package-lock.json')) as { packages: Record<string, { link?: boolean; resolved?: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }> };
    const installed = new Set<string>();
    const resolve = (from: string, name: string): string | undefined => {
      for (let dir = from; ; ) {
        const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
        if (lock.packages[candidate]) return candidate;
        if (!dir) return undefined;
        const up = dir.lastIndexOf('/node_modules/');
        dir = up >= 0 ? dir.slice(0, up) : '';
      }
    };
    const visit = (from: string) => {
      const entry = lock.packages[from]!;
      if (entry.link && entry.resolved) return visit(entry.resolved); // a workspace: its own entry lists its dependencies
      for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
        const found = resolve(from, name);
        if (found && !installed.has(found)) {
          installed.add(found);
          visit(found);
        }
      }
    };
    for (const workspace of ['events', 'services/kit', ...serviceNames.map((name) => `services/${name}`)]) visit(workspace);
    expect(installed.size).toBeGreaterThan(50);
    expect([...installed].map((entry) => entry.replace(/^.*node_modules\//, '')).filter((name) => /^(tsx|esbuild|@esbuild\/.*|typescript)$/.test(name))).toEqual([]);
    // Where they belong: esbuild compiles the images (a devDependency of services/kit, installed in the build stage);
    // tsx runs the TypeScript sources under `npm start` (apphost) and the repository's scripts.
    expect(JSON.parse(readRepoFile('services/kit/package.json')).devDependencies).toHaveProperty('esbuild');
    expect(JSON.parse(readRepoFile('services/apphost/package.json')).dependencies).toHaveProperty('tsx');
  });

  describe('services/build.mjs', () => {
    let out: string;
    beforeAll(() => {
      // Inside the repository, so that the bundles find node_modules as they do at /app in the image.
      mkdirSync(path.join(repoRoot, 'node_modules/.cache'), { recursive: true });
      out = mkdtempSync(path.join(repoRoot, 'node_modules/.cache/service-build-'));
    });
    afterAll(() => rmSync(out, { recursive: true, force: true }));
    const build = (name: string) => {
      const dir = path.join(out, name);
      const result = spawnSync(process.execPath, ['services/build.mjs', name, dir], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
      return dir;
    };

    it.each(serviceNames)('compiles %s into bundles that plain node runs, npm packages left to node_modules', (name) => {
      const dir = build(name);
      expect(readFileSync(path.join(dir, 'service-port'), 'utf8')).toBe(String(services[name].port));
      const main = readFileSync(path.join(dir, 'main.cjs'), 'utf8');
      expect(main).not.toMatch(/require\("(@bookstore\/|\.)/); // the workspaces are inside
      expect(main).toContain('require("express")'); // npm packages are not
      // Plain node, no loader: every module resolves, and the entrypoint answers an unknown role as the sources do.
      const run = spawnSync(process.execPath, [path.join(dir, 'main.cjs'), 'no-such-role'], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000, env: { ...process.env, NODE_OPTIONS: '' } });
      expect(run.status).toBe(1);
      expect(run.stdout + run.stderr).toContain('unknown command \\"no-such-role\\"');
    });

    it("emits every file docker-compose.yml's one-shots run in the catalog image", () => {
      const dir = build('catalog');
      const compose = readRepoFile('docker-compose.yml');
      for (const file of ['dist/provision.cjs', 'dist/seed.cjs']) {
        expect(compose).toContain(`entrypoint: ["node", "${file}"]`);
        expect(existsSync(path.join(dir, path.basename(file)))).toBe(true);
      }
      expect(existsSync(path.join(dir, 'books.json'))).toBe(true);
      const provision = spawnSync(process.execPath, [path.join(dir, 'provision.cjs')], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, AWS_ENDPOINT_URL: '' } });
      expect(provision.status).toBe(1);
      expect(provision.stderr).toContain('AWS_ENDPOINT_URL is not set');
    });

    it('refuses a service that does not exist', () => {
      const result = spawnSync(process.execPath, ['services/build.mjs', 'nosuch', path.join(out, 'nosuch')], { cwd: repoRoot, encoding: 'utf8' });
      expect(result.status).not.toBe(0);
    });
  });

  describe("Prisma's query compilers", () => {
    const runtimeDir = 'node_modules/@prisma/client/runtime';
    const dependencies = stages.find((stage) => stage.alias === 'production-dependencies')!;
    const prune = all(dependencies, 'RUN').map(({ args }) => args).find((run) => run.includes('query_compiler'));

    it('keeps only the PostgreSQL ones in the production dependencies: every other file of the runtime stays', () => {
      expect(prune).toBeDefined();
      // The stage's own command, run on a copy of the installed runtime folder's file names.
      const installed = readdirSync(path.join(repoRoot, runtimeDir));
      const app = mkdtempSync(path.join(tmpdir(), 'prisma-prune-'));
      try {
        mkdirSync(path.join(app, runtimeDir), { recursive: true });
        for (const file of installed) writeFileSync(path.join(app, runtimeDir, file), '');
        const result = spawnSync('sh', ['-c', prune!], { cwd: app, encoding: 'utf8' });
        expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
        const kept = new Set(readdirSync(path.join(app, runtimeDir)));
        const otherProvider = /^query_compiler_.*\.(cockroachdb|mysql|sqlite|sqlserver)\./;
        expect(installed.filter((file) => otherProvider.test(file)).length).toBeGreaterThan(0);
        expect(installed.filter((file) => kept.has(file) !== !otherProvider.test(file))).toEqual([]);
      } finally {
        rmSync(app, { recursive: true, force: true });
      }
    });

    it("keeps every query compiler file that a service's generated client loads", () => {
      for (const name of serviceNames) {
        const generated = path.join(repoRoot, 'services', name, 'src/infrastructure/prisma/internal/class.ts');
        const loaded = [...readFileSync(generated, 'utf8').matchAll(/@prisma\/client\/runtime\/(query_compiler_[\w.-]+)/g)].map((match) => match[1]!);
        expect(loaded.length).toBeGreaterThan(0);
        for (const file of loaded) {
          expect(file).toMatch(/\.postgresql\./);
          expect(prune).toContain(`test -f ${file}`); // the build fails if it is missing
        }
      }
    });
  });

  describe('TLS to RDS', () => {
    const bundlePath = '/app/certs/rds-global-bundle.pem';
    let work: string;
    let bundle: string;
    beforeAll(() => {
      work = mkdtempSync(path.join(tmpdir(), 'rds-ca-'));
      bundle = path.join(work, 'rds-global-bundle.pem');
      // The build stage's step, run here on the same lockfile's packages.
      execFileSync(process.execPath, [path.join(repoRoot, 'scripts/containers/rds-ca-bundle.mjs'), bundle], { cwd: repoRoot, stdio: 'pipe' });
    });
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it(`writes the RDS CA bundle in the build stage and ships it at ${bundlePath}, where DATABASE_URL's sslrootcert points`, () => {
      const build = stages.find((stage) => stage.alias === 'build')!;
      expect(all(build, 'RUN').map(({ args }) => args)).toContain(`node scripts/containers/rds-ca-bundle.mjs ${bundlePath}`);
      expect(all(last, 'COPY').map(({ args }) => args)).toContain(`--from=build ${bundlePath} ${bundlePath}`);
      // The infrastructure's side of the contract, where it states it.
      const infra = /rdsCaBundlePath = '([^']+)'/.exec(readRepoFile('infra/src/databases.ts'))?.[1];
      if (infra !== undefined) expect(infra).toBe(bundlePath);
    });

    it('the bundle parses into X.509 certificates of Amazon RDS, with roots valid today for every region the stacks deploy to', () => {
      const pems = readFileSync(bundle, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
      const certificates = pems.map((pem) => new X509Certificate(pem));
      expect(certificates.length).toBeGreaterThan(10);
      expect(certificates.every((certificate) => certificate.subject.includes('OU=Amazon RDS'))).toBe(true);
      const now = Date.now();
      const validRoots = certificates.filter((c) => c.ca && c.checkIssued(c) && Date.parse(c.validFrom) <= now && Date.parse(c.validTo) > now);
      const regions = new Set(['dev', 'prod'].flatMap((stack) => [...readRepoFile(`infra/Pulumi.${stack}.yaml`).matchAll(/aws:region: (\S+)/g)].map((match) => match[1]!)));
      expect(regions.size).toBeGreaterThan(0);
      for (const region of regions) {
        for (const family of ['RSA2048 G1', 'RSA4096 G1', 'ECC384 G1']) {
          expect([region, family, validRoots.some((c) => c.subject.includes(`CN=Amazon RDS ${region} Root CA ${family}`))]).toEqual([region, family, true]);
        }
      }
    });

    it("pg (the lockfile's) reads sslrootcert and, with sslmode=verify-full, checks the server's chain and host name", async () => {
      // A throwaway CA, a server certificate for `localhost` from it, and a server that answers PostgreSQL's
      // SSLRequest and then speaks TLS: the handshake is all this is about.
      const file = (name: string) => path.join(work, name);
      const openssl = (...args: string[]) => {
        const result = runTool('openssl', args, { install: 'apt-get install openssl' });
        if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
      };
      const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
      openssl('req', '-x509', ...ec, '-days', '2', '-subj', '/CN=throwaway test CA', '-keyout', file('ca.key'), '-out', file('ca.pem'));
      openssl('req', ...ec, '-subj', '/CN=localhost', '-keyout', file('server.key'), '-out', file('server.csr'));
      writeFileSync(file('san.ext'), 'subjectAltName=DNS:localhost\n');
      openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', file('san.ext'), '-out', file('server.pem'));
      let handshakes = 0;
      const server = net.createServer((socket) => {
        socket.on('error', () => undefined);
        socket.once('data', () => {
          socket.write('S');
          const secure = new tls.TLSSocket(socket, { isServer: true, key: readFileSync(file('server.key')), cert: readFileSync(file('server.pem')) });
          secure.on('error', () => undefined);
          secure.once('secure', () => {
            handshakes += 1;
            secure.destroy(); // then hang up: the client sees a closed connection, not a certificate error
          });
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as net.AddressInfo;
      const connect = async (host: string, rootcert: string) => {
        const before = handshakes;
        const connectionString = `postgres://user:secret@${host}:${port}/db?sslmode=verify-full&sslrootcert=${encodeURIComponent(rootcert)}`;
        const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5_000 });
        client.on('error', () => undefined);
        const error = await client.connect().then(() => undefined, (caught: NodeJS.ErrnoException) => caught);
        await client.end().catch(() => undefined);
        return { host, rootcert: path.basename(rootcert), handshake: handshakes > before, code: error?.code ?? null };
      };
      try {
        // The CA in sslrootcert signed the server's certificate for this host name: TLS is established.
        expect(await connect('localhost', file('ca.pem'))).toEqual({ host: 'localhost', rootcert: 'ca.pem', handshake: true, code: null });
        // Only the CAs of sslrootcert count (here the RDS bundle, which did not sign this server), not the system's.
        expect(await connect('localhost', bundle)).toMatchObject({ handshake: false, code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
        // verify-full checks the host name too: 127.0.0.1 is not in the certificate.
        expect(await connect('127.0.0.1', file('ca.pem'))).toMatchObject({ handshake: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
      } finally {
        server.close();
      }
    });
  });
});

describe('frontend/Dockerfile', () => {
  const stages = stagesOf('frontend/Dockerfile');
  const last = finalStage(stages);

  it('builds the app with Vite on Node and serves it with unprivileged nginx on the frontend port', () => {
    expect(stages[0]!.from).toMatch(/^node:24\.\d+\.\d+-bookworm-slim$/);
    expect(all(stages[0]!, 'RUN').map(({ args }) => args)).toContain('npm run build -w frontend');
    expect(last.from).toMatch(/^nginxinc\/nginx-unprivileged:\d+\.\d+\.\d+-alpine-slim$/);
    expect(one(last, 'EXPOSE')).toBe(String(frontend.port));
    expect(healthcheckCommand(one(last, 'HEALTHCHECK')).join(' ')).toContain(`http://127.0.0.1:${frontend.port}${healthPaths.live}`);
  });

  it('installs the generated nginx config as a template and the built app as the document root', () => {
    const copies = all(last, 'COPY').map(({ args }) => args);
    expect(copies).toContain('frontend/nginx.conf.template /etc/nginx/templates/default.conf.template');
    expect(copies).toContain('--from=build /app/frontend/dist /usr/share/nginx/html');
    expect(all(last, 'ENV').map(({ args }) => args).join(' ')).toMatch(/NGINX_ENTRYPOINT_LOCAL_RESOLVERS=1.*NGINX_ENVSUBST_FILTER=NGINX_/);
  });
});

describe('.dockerignore', () => {
  it('keeps installed and generated files of the host out of the build context', () => {
    const ignored = readRepoFile('.dockerignore').split('\n');
    for (const pattern of ['**/node_modules', '**/src/infrastructure/prisma', '.git', 'frontend/dist', 'services/*/dist']) expect(ignored).toContain(pattern);
  });
});
