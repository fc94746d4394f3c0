import { mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { openApiPath, routes } from '@bookstore/kit';
import {
  apiReference,
  apiReferenceHeaders,
  cacheControl,
  compression,
  hashedAssetPrefix,
  hsts,
  securityHeaders,
} from '../../../../frontend/web-policy';

/**
 * The checks of how the page is served, run against both servers that serve it: the local gateway
 * (gateway.test.ts) and nginx with the generated config (delivery-files/nginx.test.ts). Both must do what
 * frontend/web-policy.ts says.
 */

/** Two of the hashed assets the API reference's page loads (frontend/api-docs/vite-plugin.ts writes them). */
const apiReferenceScript = { name: 'api-docs-initializer-ghi789.js', body: "SwaggerUIBundle({ dom_id: '#swagger-ui' });\n".repeat(20) };
const apiReferenceStyle = { name: 'api-docs-swagger-ui-jkl012.css', body: '.swagger-ui { color: #3b4151 }\n'.repeat(100) };

/** A built app as Vite leaves it: index.html, hashed assets with their .br and .gz, robots.txt, the API reference's page. */
export const builtApp = {
  index: `<!doctype html><html lang="en"><head><title>bookstore</title></head><body>${'<p>filler so that the page is worth compressing</p>'.repeat(20)}</body></html>`,
  script: { name: 'index-abc123.js', body: `console.log(${JSON.stringify('x'.repeat(4000))});\n`.repeat(4) },
  style: { name: 'index-def456.css', body: 'body { margin: 0 }\n'.repeat(400) },
  robots: 'User-agent: *\nAllow: /\nDisallow: /admin\n',
  apiReference: {
    page: [
      '<!doctype html><html lang="en"><head><title>API reference</title>',
      `<link rel="stylesheet" href="${hashedAssetPrefix}${apiReferenceStyle.name}" /></head><body><div id="swagger-ui"></div>`,
      `<script src="${hashedAssetPrefix}${apiReferenceScript.name}" data-config-url="${apiReference.configPath}"></script></body></html>`,
    ].join(''),
    assets: [apiReferenceScript, apiReferenceStyle],
  },
};

/** What the build writes beside an asset (deterministic: the servers must send these bytes, not their own). */
export const precompressed = (body: string, encoding: 'br' | 'gzip') => (encoding === 'br' ? brotliCompressSync(body) : gzipSync(body, { level: 9 }));

export function writeBuiltApp(dir: string): void {
  const assets = path.join(dir, hashedAssetPrefix);
  mkdirSync(assets, { recursive: true });
  writeFileSync(path.join(dir, 'index.html'), builtApp.index);
  writeFileSync(path.join(dir, 'robots.txt'), builtApp.robots);
  writeFileSync(path.join(dir, apiReference.page), builtApp.apiReference.page);
  for (const { name, body } of [builtApp.script, builtApp.style, ...builtApp.apiReference.assets]) {
    writeFileSync(path.join(assets, name), body);
    writeFileSync(path.join(assets, `${name}.br`), precompressed(body, 'br'));
    writeFileSync(path.join(assets, `${name}.gz`), precompressed(body, 'gzip'));
  }
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as it came over the wire (fetch would decode it and hide the encoding). */
  body: Buffer;
}

/** A GET with exactly these headers (no Accept-Encoding unless given). */
export function rawGet(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export function decode(response: RawResponse): string {
  const encoding = response.headers['content-encoding'];
  if (encoding === 'br') return brotliDecompressSync(response.body).toString();
  if (encoding === 'gzip') return gunzipSync(response.body).toString();
  if (encoding === undefined) return response.body.toString();
  throw new Error(`unexpected Content-Encoding ${String(encoding)}`);
}

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(', ') : value);

/**
 * The page policy's checks, as jest tests, against the server at `base()`; `apiJsonPath` answers a large
 * JSON document from a service behind the server.
 */
export function describePagePolicy(base: () => string, apiJsonPath: string): void {
  const appPaths = ['/', '/cart', '/books/42'];
  const assetPath = `${hashedAssetPrefix}${builtApp.script.name}`;
  const stylePath = `${hashedAssetPrefix}${builtApp.style.name}`;

  describe('serves the page as frontend/web-policy.ts says', () => {
    it.each([...appPaths, assetPath, stylePath, '/robots.txt'])('sends the security headers with %s, and no HSTS over plain HTTP', async (url) => {
      const response = await rawGet(`${base()}${url}`, { 'accept-encoding': 'br, gzip' });
      expect(response.status).toBe(200);
      for (const [name, value] of Object.entries(securityHeaders)) expect([url, name, single(response.headers[name.toLowerCase()])]).toEqual([url, name, value]);
      expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(response.headers['content-security-policy']).not.toContain('unsafe-inline');
      expect(response.headers[hsts.header.toLowerCase()]).toBeUndefined();
      expect(response.headers['x-powered-by']).toBeUndefined();
    });

    it('sends HSTS when the load balancer says the request came over HTTPS', async () => {
      for (const url of ['/', assetPath]) {
        const response = await rawGet(`${base()}${url}`, { 'x-forwarded-proto': hsts.forwardedProto });
        expect([url, response.headers[hsts.header.toLowerCase()]]).toEqual([url, hsts.value]);
      }
    });

    it('caches hashed assets for a year and makes the app revalidate', async () => {
      for (const url of [assetPath, stylePath]) expect([url, (await rawGet(`${base()}${url}`)).headers['cache-control']]).toEqual([url, cacheControl.hashedAsset]);
      for (const url of appPaths) expect([url, (await rawGet(`${base()}${url}`)).headers['cache-control']]).toEqual([url, cacheControl.page]);
    });

    it('answers a missing asset with 404, not the app', async () => {
      const response = await rawGet(`${base()}${hashedAssetPrefix}index-gone99.js`);
      expect(response.status).toBe(404);
      expect(response.body.toString()).not.toContain('<title>bookstore</title>');
    });

    it('serves a real robots.txt', async () => {
      const response = await rawGet(`${base()}/robots.txt`);
      expect([response.status, response.headers['content-type']?.toString().split(';')[0], response.body.toString()]).toEqual([200, 'text/plain', builtApp.robots]);
    });

    it.each([
      ['br', 'br, gzip, deflate', 'br' as const],
      ['gzip', 'gzip, deflate', 'gzip' as const],
      ['nothing', 'identity', undefined],
    ])('sends hashed assets precompressed with %s when the browser accepts %s', async (_name, accept, encoding) => {
      for (const [url, asset, type] of [
        [assetPath, builtApp.script, compression.precompressed.js],
        [stylePath, builtApp.style, compression.precompressed.css],
      ] as const) {
        const response = await rawGet(`${base()}${url}`, { 'accept-encoding': accept });
        expect([url, response.status, response.headers['content-encoding'], response.headers['content-type']?.toString().split(';')[0]]).toEqual([url, 200, encoding, type]);
        expect(decode(response)).toBe(asset.body);
        // The build's file as it is: compressing once at the highest level, not per request.
        if (encoding) expect(response.body.equals(precompressed(asset.body, encoding))).toBe(true);
        expect(single(response.headers.vary)).toMatch(/accept-encoding/i);
      }
    });

    it('compresses the app page and the services\' JSON on the fly', async () => {
      const page = await rawGet(`${base()}/`, { 'accept-encoding': 'gzip' });
      expect([page.headers['content-encoding'], decode(page)]).toEqual(['gzip', builtApp.index]);
      const api = await rawGet(`${base()}${apiJsonPath}`, { 'accept-encoding': 'gzip' });
      expect(api.headers['content-encoding']).toBe('gzip');
      expect(JSON.parse(decode(api))).toEqual(expect.any(Object));
      const plain = await rawGet(`${base()}${apiJsonPath}`);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(JSON.parse(plain.body.toString())).toEqual(JSON.parse(decode(api)));
    });
  });
}

const contentType = (response: RawResponse) => response.headers['content-type']?.toString().split(';')[0];

/** A Content-Security-Policy as its directives, by name. */
const directives = (policy: string | undefined): Record<string, string[]> =>
  Object.fromEntries((policy ?? '').split(';').map((directive) => directive.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));

/** The API reference's checks, as jest tests, against the server at `base()`: its page, its configuration and its assets. */
export function describeApiReference(base: () => string): void {
  describe(`serves the API reference at ${apiReference.path} with its own policy (frontend/web-policy.ts)`, () => {
    it('sends its page as HTML to revalidate, with the security headers of the reference, not of the app', async () => {
      const response = await rawGet(`${base()}${apiReference.path}`, { 'accept-encoding': 'br, gzip' });
      const page = [response.status, contentType(response), decode(response), response.headers['cache-control']];
      expect(page).toEqual([200, 'text/html', builtApp.apiReference.page, cacheControl.page]);
      for (const [name, value] of Object.entries(apiReferenceHeaders)) expect([name, single(response.headers[name.toLowerCase()])]).toEqual([name, value]);
      expect(response.headers[hsts.header.toLowerCase()]).toBeUndefined();
    });

    it('keeps that policy strict: scripts from its own origin only, no inline script or eval, no inline style but one hash, no framing', async () => {
      const policy = directives(single((await rawGet(`${base()}${apiReference.path}`)).headers['content-security-policy']));
      const none = ["'none'"];
      expect(policy).toMatchObject({ 'default-src': none, 'script-src': ["'self'"], 'connect-src': ["'self'"], 'frame-ancestors': none, 'base-uri': none });
      expect(policy['style-src']).toEqual(["'self'", expect.stringMatching(/^'sha256-[\w+/]+=*'$/)]);
      expect(Object.values(policy).flat().filter((value) => /unsafe|\*/.test(value))).toEqual([]);
    });

    it('sends HSTS with it when the load balancer says the request came over HTTPS', async () => {
      const response = await rawGet(`${base()}${apiReference.path}`, { 'x-forwarded-proto': hsts.forwardedProto });
      expect(response.headers[hsts.header.toLowerCase()]).toBe(hsts.value);
    });

    it("lists one OpenAPI document per service of the routing table for Swagger UI's selector", async () => {
      const response = await rawGet(`${base()}${apiReference.configPath}`);
      const urls = routes.map(({ service }) => ({ name: service, url: openApiPath(service) }));
      expect([response.status, contentType(response), JSON.parse(response.body.toString())]).toEqual([200, 'application/json', { urls }]);
      expect(response.headers['content-security-policy']).toBe(apiReferenceHeaders['Content-Security-Policy']);
      expect(response.headers['cache-control']).toBe(cacheControl.page);
    });

    it('serves the files its page loads as hashed assets, with their types', async () => {
      for (const { name, body } of builtApp.apiReference.assets) {
        const response = await rawGet(`${base()}${hashedAssetPrefix}${name}`, { 'accept-encoding': 'br, gzip' });
        const served = [name, response.status, contentType(response), decode(response), response.headers['cache-control']];
        expect(served).toEqual([name, 200, compression.precompressed[path.extname(name).slice(1)], body, cacheControl.hashedAsset]);
      }
    });
  });
}
