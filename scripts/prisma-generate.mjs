// Generates each service's Prisma client after `npm install`. `prisma generate` needs no schema engine,
// but it tries to download one, which fails on machines without internet; pointing
// PRISMA_SCHEMA_ENGINE_BINARY at any executable skips the download. Never set it for `prisma migrate`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const services = ['catalog', 'orders', 'payments'];
const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
for (const service of services) {
  const schema = `services/${service}/prisma/schema.prisma`;
  if (!existsSync(schema)) continue;
  const result = spawnSync('npx', ['prisma', 'generate', '--schema', schema], { stdio: ['ignore', 'pipe', 'pipe'], env, encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    process.exit(result.status ?? 1);
  }
  console.log(`prisma client generated for ${service}`);
}
