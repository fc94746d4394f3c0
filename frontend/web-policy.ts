/**
 * How the shop page is served: ONE policy for both servers that serve it, the local gateway (services/apphost/src/gateway.ts, for
 * `npm start`) and nginx in the frontend image (frontend/nginx.conf.template, generated from this module by
 * scripts/nginx-config.ts). Change it here; a test of each server checks that it sends what this says.
 *
 * Plain data on purpose: the nginx generator turns it into directives, the gateway into Express middleware.
 */

/** Vite writes every built JS/CSS file under this prefix with a content hash in its name. */
export const hashedAssetPrefix = '/assets/';

export const cacheControl = {
  /** Content-hashed assets never change under their name: keep them for a year without revalidating. */
  hashedAsset: 'public, max-age=31536000, immutable',
  /** index.html (and every client-side route, which answers with it) must be revalidated on every load. */
  page: 'no-cache',
  /** robots.txt and anything else in the build's root: revalidate too (not hashed). */
  other: 'no-cache',
} as const;

/**
 * The Content-Security-Policy of the page. The built app is one module script and one stylesheet from
 * /assets/, covers are inline SVG elements (no style attributes), and the app talks only to its own origin:
 * no inline script or style is needed, so none is allowed.
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Sent with every response of the page (the app, its assets, robots.txt). */
export const securityHeaders: Readonly<Record<string, string>> = {
  'Content-Security-Policy': contentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

/** The API reference: Swagger UI over the services' OpenAPI documents, a second page of the build beside the app. */
export const apiReference = {
  /** Under /api like the documents it shows, but no service owns it: the ALB's default (the frontend) and the gateway answer it. */
  path: '/api/docs',
  /** The page in the build (written by frontend/api-docs/vite-plugin.ts); what it loads are hashed assets. */
  page: 'api-docs.html',
  /** Swagger UI's configUrl: the list of documents, which both servers derive from the routing table. */
  configPath: '/api/docs/swagger-config.json',
} as const;

/**
 * The Content-Security-Policy of the API reference: nothing but what Swagger UI was seen to use in Chromium
 * (frontend/e2e/api-docs.e2e.test.ts fails on any violation), so stricter than the page's where it can be.
 */
export const apiReferenceContentSecurityPolicy = [
  "default-src 'none'",
  // swagger-ui-dist's bundles and the initializer, from /assets/: no inline script, no eval.
  "script-src 'self'",
  // Relaxed by one hash: the top bar's Swagger logo is an SVG with a <style> element inside (swagger-ui-dist
  // 5.35.0; another version may change it, and the browser test then names the new hash). Not 'unsafe-inline':
  // Swagger UI's style props are set through the CSSOM, which style-src does not govern.
  "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
  // swagger-ui.css draws its icons (the arrows, the select's caret) as data: URIs; the favicon is ours.
  "img-src 'self' data:",
  // The documents, the configuration and "Try it out" requests: this origin only.
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Sent with the API reference and its configuration: the page's headers with the reference's own policy. */
export const apiReferenceHeaders: Readonly<Record<string, string>> = {
  ...securityHeaders,
  'Content-Security-Policy': apiReferenceContentSecurityPolicy,
};

/**
 * Strict-Transport-Security, sent only when the request reached us over HTTPS. The ALB terminates TLS and
 * says so in X-Forwarded-Proto; over plain HTTP (npm start, a developer's compose) the header would be
 * ignored by browsers at best and lock a host name into HTTPS at worst.
 */
export const hsts = { header: 'Strict-Transport-Security', value: 'max-age=31536000; includeSubDomains', forwardedProto: 'https' } as const;

/**
 * Compression. Text assets are precompressed by the Vite build (frontend/vite.config.ts writes `.br` and
 * `.gz` beside each one); both servers send the precompressed file the browser accepts, brotli first. Other
 * text responses (index.html, the APIs' JSON) are compressed on the fly.
 */
export const compression = {
  /** Extensions of built files that have `.br` and `.gz` siblings, with the type each is served as. */
  precompressed: {
    js: 'text/javascript', // RFC 9239; what express.static sends too
    css: 'text/css',
    svg: 'image/svg+xml',
    json: 'application/json',
    txt: 'text/plain',
  } as Readonly<Record<string, string>>,
  /** Content types compressed on the fly. */
  dynamicTypes: ['text/html', 'text/css', 'text/plain', 'text/javascript', 'application/javascript', 'application/json', 'image/svg+xml'],
  /** Responses smaller than this go out as they are (compression would not pay for its framing). */
  minBytes: 256,
} as const;
