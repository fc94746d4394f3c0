import { consumers } from '@bookstore/events/topology';
import { frontend, serviceNames, services } from '@bookstore/kit/platform';
import { readRepoFile, readYaml, runTool } from './support';

interface ComposeService {
  image?: string;
  pull_policy?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
}

const compose = readYaml<{ services: Record<string, ComposeService>; name?: unknown }>('docker-compose.yml');
const all = compose.services;
const service = (name: string): ComposeService => {
  const found = all[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
const published = (port: number) => `127.0.0.1:${port}:${port}`;
const envValue = (value: string) => value.replace(/^\$\{[A-Z_]+:-(.*)\}$/, '$1');

describe('docker-compose.yml', () => {
  it('validates with docker-compose config -q (Debian docker-compose v1.29)', () => {
    const result = runTool('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], {
      install: "install Debian's docker-compose (apt-get install docker-compose), as scripts/install-ci-tools.sh does",
    });
    expect({ status: result.status, stderr: result.stderr.trim() }).toEqual({ status: 0, stderr: '' });
    expect(compose.name).toBeUndefined(); // v1.29 rejects a top-level name
  });

  describe.each(serviceNames)('%s', (name) => {
    const { port, database } = services[name];
    const roles = { migrate: service(`${name}-migrate`), api: service(`${name}-api`), worker: service(`${name}-worker`) };

    it('has a migrate one-shot, an API and a worker, all of one image that the migrate one-shot builds from services/Dockerfile with SERVICE set', () => {
      expect(roles.migrate.build).toEqual({ context: '.', dockerfile: 'services/Dockerfile', args: { SERVICE: name } });
      for (const [role, definition] of Object.entries(roles)) {
        expect(definition.image).toBe(`bookstore/${name}:local`);
        expect(definition.command).toEqual([role]);
        expect(definition.entrypoint).toBeUndefined();
      }
      // The API and the worker depend on the migration (below), so `docker compose up <name>-api` brings its builder too.
      for (const definition of [roles.api, roles.worker]) expect({ build: definition.build, pull_policy: definition.pull_policy }).toEqual({ build: undefined, pull_policy: 'never' });
    });

    it('publishes the API on its port from the routing table, and nothing else', () => {
      expect(roles.api.ports).toEqual([published(port)]);
      expect(roles.api.environment?.PORT).toBe(String(port));
      expect(roles.worker.ports).toBeUndefined();
      expect(roles.migrate.ports).toBeUndefined();
    });

    it('uses its own database on the shared server', () => {
      for (const definition of Object.values(roles)) {
        const url = new URL(definition.environment!.DATABASE_URL!.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1'));
        expect({ host: url.host, database: url.pathname.slice(1) }).toEqual({ host: 'postgres:5432', database });
      }
    });

    it('starts the API and the worker after its migration, the topology and a healthy Postgres', () => {
      for (const definition of [roles.api, roles.worker]) {
        expect(definition.depends_on).toEqual({
          postgres: { condition: 'service_healthy' },
          [`${name}-migrate`]: { condition: 'service_completed_successfully' },
          topology: { condition: 'service_completed_successfully' },
        });
      }
      expect(roles.migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    });

    it("keeps the image's health check for the API and the worker (which serves its health), and disables it where nothing listens", () => {
      expect(roles.api.healthcheck).toBeUndefined();
      expect(roles.worker.healthcheck).toBeUndefined();
      expect(roles.migrate.healthcheck).toEqual({ disable: true });
    });
  });

  it('builds each image in exactly one service; the other services that run it neither build nor pull it', () => {
    // Several services with `build:` and one tag make Compose (Bake) build that tag several times in parallel; and
    // a service with only `image:` is pulled first unless its pull_policy is never (no registry has these images).
    const usersOf = new Map<string, string[]>();
    for (const [name, definition] of Object.entries(all)) {
      if (definition.build) expect([name, definition.image]).toEqual([name, expect.stringMatching(/^bookstore\/[a-z]+:local$/)]);
      if (definition.image) usersOf.set(definition.image, [...(usersOf.get(definition.image) ?? []), name]);
    }
    const builders: Record<string, string[]> = {};
    for (const [image, users] of usersOf) {
      const building = users.filter((name) => all[name]!.build);
      if (building.length === 0) continue; // pulled from a registry: postgres, localstack
      builders[image] = building;
      for (const name of users.filter((user) => !all[user]!.build)) expect([name, all[name]!.pull_policy]).toEqual([name, 'never']);
    }
    expect(builders).toEqual({
      ...Object.fromEntries(serviceNames.map((name) => [`bookstore/${name}:local`, [`${name}-migrate`]])),
      'bookstore/frontend:local': ['frontend'],
    });
  });

  it('runs a worker for every consumer and every producer of the topology', () => {
    for (const name of new Set([...Object.keys(consumers), ...serviceNames])) {
      expect(all).toHaveProperty([`${name}-worker`]);
    }
  });

  it('provisions the topology from events/ once LocalStack is healthy, with the same settings as the services', () => {
    const topology = service('topology');
    expect(topology.entrypoint).toEqual(['node', 'dist/provision.cjs']); // localstack/provision.ts, compiled (services/build.mjs)
    expect({ image: topology.image, build: topology.build, pull_policy: topology.pull_policy }).toEqual({ image: 'bookstore/catalog:local', build: undefined, pull_policy: 'never' });
    expect(topology.depends_on).toEqual({ localstack: { condition: 'service_healthy' } });
    expect(topology.healthcheck).toEqual({ disable: true });
    for (const name of serviceNames) {
      for (const role of ['api', 'worker']) {
        const env = service(`${name}-${role}`).environment!;
        for (const key of ['AWS_ENDPOINT_URL', 'AWS_REGION', 'TOPOLOGY_PREFIX']) expect([`${name}-${role}`, key, env[key]]).toEqual([`${name}-${role}`, key, topology.environment![key]]);
      }
    }
    expect(topology.environment!.AWS_ENDPOINT_URL).toBe('http://localstack:4566');
  });

  it('pins a LocalStack that serves SNS and SQS without a token, passes LOCALSTACK_AUTH_TOKEN through, and health-gates it on both', () => {
    const localstack = service('localstack');
    expect(localstack.image).toMatch(/^localstack\/localstack:\d+\.\d+\.\d+$/);
    expect(localstack.environment?.SERVICES?.split(',').sort()).toEqual(['sns', 'sqs']);
    expect(localstack.environment?.LOCALSTACK_AUTH_TOKEN).toBe('${LOCALSTACK_AUTH_TOKEN:-}');
    const check = localstack.healthcheck!.test!.join(' ');
    expect(check).toContain('/_localstack/health');
    expect(check).toMatch(/for s in sns sqs/);
  });

  it('health-gates one PostgreSQL server that an init script gives a database per service', () => {
    const postgres = service('postgres');
    expect(postgres.image).toMatch(/^postgres:\d+\.\d+-\w+$/);
    expect(postgres.healthcheck?.test?.join(' ')).toContain('pg_isready -h 127.0.0.1');
    const init = postgres.volumes!.find((volume) => volume.includes('/docker-entrypoint-initdb.d/'));
    expect(init).toBeDefined();
    const script = readRepoFile(init!.split(':')[0]!.replace(/^\.\//, ''));
    const created = [...script.matchAll(/^CREATE DATABASE (\w+);$/gm)].map((match) => match[1]);
    expect(created.sort()).toEqual(serviceNames.map((name) => services[name].database).sort());
  });

  it('serves the frontend on its port once every API is healthy', () => {
    const web = service('frontend');
    expect(web.build).toEqual({ context: '.', dockerfile: 'frontend/Dockerfile' });
    expect(web.ports).toEqual([published(frontend.port)]);
    expect(web.depends_on).toEqual(Object.fromEntries(serviceNames.map((name) => [`${name}-api`, { condition: 'service_healthy' }])));
  });

  it('seeds the catalog through its API once it is healthy', () => {
    const seed = service('seed');
    expect(seed.entrypoint).toEqual(['node', 'dist/seed.cjs']); // services/catalog/seed/seed.ts, compiled (services/build.mjs)
    expect(seed.environment?.CATALOG_URL).toBe(`http://catalog-api:${services.catalog.port}`);
    expect(seed.depends_on?.['catalog-api']).toEqual({ condition: 'service_healthy' });
  });

  it('commits no secret: tokens and passwords come from the environment, with marked development defaults', () => {
    for (const [name, definition] of Object.entries(all)) {
      for (const [key, value] of Object.entries(definition.environment ?? {})) {
        if (!/TOKEN|PASSWORD|SECRET/.test(key) || key === 'AWS_SECRET_ACCESS_KEY') continue;
        expect([name, key, value]).toEqual([name, key, expect.stringMatching(new RegExp(`^\\$\\{${key}:-(|.*dev.*)\\}$`))]);
      }
      // LocalStack takes any credentials; these two are its conventional placeholders.
      if (definition.environment?.AWS_SECRET_ACCESS_KEY) expect(envValue(definition.environment.AWS_SECRET_ACCESS_KEY)).toBe('test');
    }
  });
});
