// Compiles one service for its container image: one JavaScript bundle per entry point, so the image runs
// `node dist/main.cjs` and needs neither tsx nor TypeScript at run time (tsx also wrote a cache under /tmp, which
// failed on a read-only root filesystem).
//
//   node services/build.mjs catalog|orders|payments [outdir]   writes services/<name>/dist/ (services/Dockerfile runs it),
//                                                              or outdir (the tests build into a temporary folder)
//
// What goes into a bundle: the service's own sources, services/kit, events/ and the generated Prisma client, which
// are TypeScript (workspace packages whose "exports" name .ts files). What stays out: every npm package (express,
// pg, @prisma/client and its query compiler, pino, the AWS SDK...), loaded from node_modules at run time as
// before: the image installs them with `npm ci --omit=dev`, and packages that load files of their own at run time
// (Prisma's wasm query compiler, pino-pretty) keep working unchanged.
//
// esbuild rather than tsc: the code imports the workspace packages by name and the generated client imports .ts
// files, which a tsc build would have to rewrite (rewriteRelativeImportExtensions) and then ship as a tree of files
// with a node_modules/@bookstore layout to resolve them; one file per entry point has none of that. Node 24's own
// type stripping is no option either: the code has parameter properties and the generated client enums.
//
// Outputs, beside each other in dist/ because the code finds files relative to its own folder (__dirname):
//   main.cjs       the service (`migrate|api|worker|all`); its migrations are found at dist/../prisma/migrations
//   provision.cjs  localstack/provision.ts, the compose one-shot that provisions SNS/SQS
//   seed.cjs       catalog only: services/catalog/seed/seed.ts, with books.json beside it
//   service-port   the service's port from the routing table, for the image's HEALTHCHECK
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const name = process.argv[2];
const serviceDir = path.join(repo, 'services', name ?? '');
if (!name || !/^[a-z]+$/.test(name) || !existsSync(path.join(serviceDir, 'src/main.ts'))) {
  console.error(`usage: node services/build.mjs <service>: no services/${name ?? '<service>'}/src/main.ts`);
  process.exit(2);
}
const outdir = process.argv[3] ? path.resolve(process.argv[3]) : path.join(serviceDir, 'dist');

/** Workspace packages (@bookstore/*) and relative imports are bundled; every other bare import stays external. */
const npmPackagesExternal = {
  name: 'npm-packages-external',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@bookstore/') ? undefined : { path: args.path, external: true }));
  },
};

const options = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  outExtension: { '.js': '.cjs' },
  // Class and function names as in the sources (bundling would otherwise rename clashing ones: Logger2).
  keepNames: true,
  // Stack traces name the TypeScript files and lines (node --enable-source-maps); no sources inside the maps.
  sourcemap: 'linked',
  sourcesContent: false,
  tsconfig: path.join(repo, 'tsconfig.json'),
  plugins: [npmPackagesExternal],
  logLevel: 'warning',
  absWorkingDir: repo,
};

const entries = {
  main: path.join(serviceDir, 'src/main.ts'),
  provision: path.join(repo, 'localstack/provision.ts'),
};
const seed = path.join(serviceDir, 'seed/seed.ts');
if (existsSync(seed)) entries.seed = seed;

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await build({ ...options, entryPoints: entries, outdir });
const books = path.join(serviceDir, 'seed/books.json');
if (entries.seed && existsSync(books)) copyFileSync(books, path.join(outdir, 'books.json'));

// The port from the routing table (services/kit/src/platform.ts), compiled in memory; an unknown service fails here.
const platform = await build({ ...options, entryPoints: [path.join(repo, 'services/kit/src/platform.ts')], write: false, sourcemap: false, outdir });
const loaded = { exports: {} };
new Function('module', 'exports', 'require', platform.outputFiles[0].text)(loaded, loaded.exports, () => {
  throw new Error('services/kit/src/platform.ts is expected to import nothing at run time');
});
const service = loaded.exports.services?.[name];
if (!service) {
  console.error(`services/kit/src/platform.ts has no service named ${name}`);
  process.exit(1);
}
writeFileSync(path.join(outdir, 'service-port'), String(service.port));
console.log(`built ${path.relative(repo, outdir) || outdir}: ${Object.keys(entries).map((entry) => `${entry}.cjs`).join(', ')}, service-port ${service.port}`);
