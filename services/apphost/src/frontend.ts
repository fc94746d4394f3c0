import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

const frontendDir = path.join(__dirname, '../../../frontend');
const sources = ['src', 'public', 'index.html', 'api-docs', 'vite.config.ts', 'web-policy.ts', 'package.json'];

/**
 * Builds the shopper app with Vite when its build is missing or older than its sources, and returns the
 * folder to serve. A developer who wants hot reloading runs `npm run dev -w frontend` on port 3000 instead.
 */
export async function buildFrontend(onStep: (step: string) => void): Promise<string> {
  const dist = path.join(frontendDir, 'dist');
  const built = path.join(dist, 'index.html');
  if (existsSync(built) && (await newestChange(sources.map((source) => path.join(frontendDir, source)))) <= (await stat(built)).mtimeMs) return dist;
  onStep('building the frontend');
  const { build } = await import('vite');
  // Vite builds for whatever NODE_ENV says; under jest (NODE_ENV=test) that was React's development build,
  // 549 kB instead of 321 kB. What npm start serves is always the production build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root: frontendDir, logLevel: 'warn', mode: 'production' });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  return dist;
}

async function newestChange(paths: string[]): Promise<number> {
  let newest = 0;
  for (const entry of paths) {
    if (!existsSync(entry)) continue;
    const info = await stat(entry);
    newest = Math.max(newest, info.mtimeMs);
    if (info.isDirectory()) {
      const children = await readdir(entry);
      newest = Math.max(newest, await newestChange(children.map((child) => path.join(entry, child))));
    }
  }
  return newest;
}
