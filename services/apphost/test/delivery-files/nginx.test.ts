import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { frontend, healthPaths, routeFor, routes, serviceNames, services, type ServiceName } from '@bookstore/kit/platform';
import { apiReference, apiReferenceContentSecurityPolicy } from '../../../../frontend/web-policy';
import { apiHost, nginxConfig, nginxConfigPath } from '../../../../scripts/nginx-config';
import { builtApp, describeApiReference, describePagePolicy, writeBuiltApp } from '../support/page-policy';
import { readYaml, runTool } from './support';

const nginxBinary = '/usr/sbin/nginx';
const install = "install Debian's nginx (apt-get install nginx), as scripts/install-ci-tools.sh does";
const template = readFileSync(nginxConfigPath, 'utf8');

/** What the image's entrypoint does: envsubst of NGINX_* variables, here only the resolvers. */
const render = (resolvers: string) => template.replaceAll('${NGINX_LOCAL_RESOLVERS}', resolvers);

/** A whole nginx.conf around the rendered server block, in a directory of its own. */
function nginxDirectory(server: string, dir = mkdtempSync(path.join(os.tmpdir(), 'bookstore-nginx-'))): string {
  chmodSync(dir, 0o755);
  writeFileSync(path.join(dir, 'default.conf'), server);
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'master_process off;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      'events {}',
      'http {',
      // As the image's mime.types has them.
      '  types { text/html html; application/javascript js; text/css css; text/plain txt; application/json json; image/svg+xml svg; }',
      '  default_type application/octet-stream;',
      `  access_log ${dir}/access.log;`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((temp) => `  ${temp}_temp_path ${dir}/${temp};`),
      `  include ${dir}/default.conf;`,
      '}',
      '',
    ].join('\n'),
  );
  return dir;
}

describe('the nginx config of the frontend image', () => {
  it('is what scripts/nginx-config.ts generates from the routing table (run it after changing platform.ts)', () => {
    expect(template).toBe(nginxConfig());
  });

  it('routes /api/<service> and everything under it to that service, as platform.ts says', () => {
    const compose = readYaml<{ services: Record<string, unknown> }>('docker-compose.yml');
    for (const { service, pathPrefix } of routes) {
      const upstream = `http://${apiHost(service)}:${services[service].port}`;
      expect(template).toContain(`  location = ${pathPrefix} {\n    set $${service}_api ${upstream};\n    proxy_pass $${service}_api;\n  }`);
      expect(template).toContain(`  location ^~ ${pathPrefix}/ {\n    set $${service}_api ${upstream};\n    proxy_pass $${service}_api;\n  }`);
      expect(compose.services).toHaveProperty([apiHost(service)]);
    }
    expect(template).toContain(`listen ${frontend.port};`);
  });

  it(`answers ${apiReference.path}, which no service route covers, itself with the API reference's own policy`, () => {
    const policy = `    add_header Content-Security-Policy "${apiReferenceContentSecurityPolicy}" always;`;
    expect(template).toContain(`  location = ${apiReference.path} {\n${policy}\n`);
    expect(template).toContain(`    try_files /${apiReference.page} =404;\n  }`);
    expect(template).toContain(`  location = ${apiReference.configPath} {\n${policy}\n`);
    // The ALB sends every path that no service route matches to this nginx.
    expect([routeFor(apiReference.path), routeFor(apiReference.configPath)]).toEqual([undefined, undefined]);
  });

  it('leaves no variable for the entrypoint to fill but NGINX_LOCAL_RESOLVERS', () => {
    expect([...template.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1])).toEqual(['NGINX_LOCAL_RESOLVERS', 'NGINX_LOCAL_RESOLVERS']);
  });

  it('passes nginx -t', () => {
    const dir = nginxDirectory(render('127.0.0.11'));
    try {
      const result = runTool(nginxBinary, ['-t', '-p', dir, '-c', `${dir}/nginx.conf`, '-e', `${dir}/error.log`], { install });
      expect({ status: result.status, output: result.stderr }).toEqual({ status: 0, output: expect.stringContaining('test is successful') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('served by nginx, with the service upstreams replaced by local stand-ins', () => {
    interface Seen {
      method: string;
      url: string;
      headers: IncomingHttpHeaders;
      body: string;
    }
    const seen = Object.fromEntries(serviceNames.map((service) => [service, []])) as unknown as Record<ServiceName, Seen[]>;
    const upstreams: Server[] = [];
    /** No request may hang on a wrong upstream until nginx's resolver gives up (30 s). */
    const request = (url: string, init: RequestInit = {}) => fetch(url, { signal: AbortSignal.timeout(5_000), ...init });
    let nginx: ChildProcess;
    let dir: string;
    let base: string;

    beforeAll(async () => {
      runTool(nginxBinary, ['-v'], { install });
      const ports: Partial<Record<ServiceName, number>> = {};
      for (const service of serviceNames) {
        const server = createServer((req, res) => {
          let body = '';
          req.on('data', (chunk) => (body += chunk));
          req.on('end', () => {
            seen[service].push({ method: req.method!, url: req.url!, headers: req.headers, body });
            res.setHeader('content-type', 'application/json');
            res.end(JSON.stringify({ service, ...(req.url!.endsWith('/big') ? { books: Array.from({ length: 50 }, (_, i) => ({ id: i, title: `Book ${i}` })) } : {}) }));
          });
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        upstreams.push(server);
        ports[service] = (server.address() as AddressInfo).port;
      }
      const port = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
          const { port: free } = probe.address() as AddressInfo;
          probe.close(() => resolve(free));
        });
      });
      let config = render('127.0.0.1').replace(`listen ${frontend.port};`, `listen 127.0.0.1:${port};`);
      for (const service of serviceNames) config = config.replaceAll(`http://${apiHost(service)}:${services[service].port}`, `http://127.0.0.1:${ports[service]}`);
      dir = nginxDirectory(config);
      const html = path.join(dir, 'html');
      mkdirSync(html, { recursive: true });
      writeBuiltApp(html);
      writeFileSync(path.join(dir, 'default.conf'), config.replace('root /usr/share/nginx/html;', `root ${html};`));
      nginx = spawn(nginxBinary, ['-p', dir, '-c', `${dir}/nginx.conf`, '-e', `${dir}/error.log`], { stdio: 'ignore' });
      base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          await request(`${base}${healthPaths.live}`);
          break;
        } catch (error) {
          if (Date.now() > deadline || nginx.exitCode !== null) throw new Error(`nginx did not start: ${readFileSync(`${dir}/error.log`, 'utf8')}`, { cause: error });
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    });

    afterAll(async () => {
      if (nginx && nginx.exitCode === null) {
        nginx.kill('SIGTERM');
        await once(nginx, 'exit');
      }
      await Promise.all(upstreams.map((server) => new Promise((resolve) => server.close(resolve))));
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const lastSeen = (service: ServiceName) => seen[service].at(-1);

    it.each(routes.map(({ service, pathPrefix }) => [service, pathPrefix] as const))('sends %s its prefix %s and what is under it, path and query unchanged', async (service, prefix) => {
      for (const url of [`${prefix}`, `${prefix}?page=2`, `${prefix}/`, `${prefix}/some/thing?q=dune&page=1`]) {
        const response = await request(`${base}${url}`);
        expect([url, response.status, await response.json()]).toEqual([url, 200, { service }]);
        expect(lastSeen(service)).toMatchObject({ method: 'GET', url });
      }
    });

    it('passes methods, bodies and the forwarding headers on', async () => {
      const body = JSON.stringify({ cardNumber: '4242424242424242' });
      const response = await request(`${base}${services.payments.pathPrefix}/methods`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(response.status).toBe(200);
      expect(lastSeen('payments')).toMatchObject({ method: 'POST', url: `${services.payments.pathPrefix}/methods`, body });
      expect(lastSeen('payments')!.headers).toMatchObject({ 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http', 'content-type': 'application/json' });
    });

    it('serves the app for client-side routes and for paths that only look like a route', async () => {
      const before = serviceNames.map((service) => seen[service].length);
      for (const url of ['/', '/cart', '/orders/5f2b', '/admin?tab=books', `${services.catalog.pathPrefix}ue`, '/api', '/api/']) {
        const response = await request(`${base}${url}`);
        expect([url, response.status, response.headers.get('cache-control'), await response.text()]).toEqual([url, 200, 'no-cache', builtApp.index]);
      }
      expect(serviceNames.map((service) => seen[service].length)).toEqual(before);
    });

    it('caches hashed assets for good and answers 404 for a missing one, not the app', async () => {
      const asset = await request(`${base}/assets/index-abc123.js`);
      expect([asset.status, asset.headers.get('cache-control')]).toEqual([200, 'public, max-age=31536000, immutable']);
      expect((await request(`${base}/assets/missing.js`)).status).toBe(404);
    });

    it('sends a precompressed asset as the build compressed it, encoded once, however big it is', async () => {
      // Above gzip's minimum size, where nginx's on-the-fly gzip would otherwise compress the .br file a second time.
      const script = `export const books = ${JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ id: i, title: `Book ${i}` })))};\n`;
      const brotli = brotliCompressSync(script);
      writeFileSync(path.join(dir, 'html/assets/big-abc123.js'), script);
      writeFileSync(path.join(dir, 'html/assets/big-abc123.js.br'), brotli);
      // node:http, not fetch: fetch would decode whatever it gets, and hide a double encoding.
      const { headers, body } = await new Promise<{ headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        get(`${base}/assets/big-abc123.js`, { headers: { 'accept-encoding': 'br, gzip' } }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
        }).on('error', reject);
      });
      expect(headers['content-encoding']).toBe('br');
      expect(body.equals(brotli)).toBe(true);
    });

    describePagePolicy(() => base, `${services.catalog.pathPrefix}/books/big`);
    describeApiReference(() => base);

    it('answers the load balancer health check itself', async () => {
      const response = await request(`${base}${healthPaths.live}`);
      expect([response.status, await response.json()]).toEqual([200, { status: 'ok' }]);
    });
  });
});
