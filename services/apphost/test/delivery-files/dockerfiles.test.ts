import { existsSync } from 'node:fs';
import path from 'node:path';
import { frontend, healthPaths, serviceNames } from '@bookstore/kit/platform';
import { execForm, parseDockerfile, readRepoFile, repoRoot, runNpx, type Stage } from './support';

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
    expect(all(last, 'COPY').map(({ args }) => args)).toContainEqual(expect.stringMatching(/^--from=build \S*services\/\$\{SERVICE\}\/src\/infrastructure\/prisma /));
  });

  it('copies only production dependencies into the final stage', () => {
    const from = all(last, 'COPY')
      .map(({ args }) => /^--from=(\S+) \S*node_modules /.exec(args)?.[1])
      .filter(Boolean);
    expect(from).toHaveLength(1);
    const source = stages.find((stage) => stage.alias === from[0])!;
    const installs = all(source, 'RUN').map(({ args }) => args);
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) {
      for (const command of install.split('||')) expect(command).toMatch(/^\s*npm (ci|install) --omit=dev /);
    }
  });

  it('has tsx, which runs the services from TypeScript, as a production dependency of services/kit', () => {
    const kit = JSON.parse(readRepoFile('services/kit/package.json'));
    expect(kit.dependencies).toHaveProperty('tsx');
  });

  it('runs the service with node --import tsx, the role as its command, all by default', () => {
    const entrypoint = execForm(one(last, 'ENTRYPOINT'));
    expect(entrypoint.join(' ')).toContain('exec node --import tsx "services/${SERVICE}/src/main.ts" "$@"');
    expect(execForm(one(last, 'CMD'))).toEqual(['all']);
    expect(all(last, 'ENV').map(({ args }) => args).join(' ')).toContain('SERVICE=${SERVICE}');
  });

  it("checks the service's own port, from the routing table", () => {
    expect(all(last, 'RUN').map(({ args }) => args).join('\n')).toContain("require('@bookstore/kit/platform')");
    expect(healthcheckCommand(one(last, 'HEALTHCHECK')).join(' ')).toContain('process.env.PORT');
  });

  it('ships the topology provisioning script for the compose one-shot', () => {
    expect(all(last, 'COPY').map(({ args }) => args)).toContain('localstack localstack');
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
    for (const pattern of ['**/node_modules', '**/src/infrastructure/prisma', '.git', 'frontend/dist']) expect(ignored).toContain(pattern);
  });
});
