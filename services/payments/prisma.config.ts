import { defineConfig } from 'prisma/config';

// `prisma migrate deploy` and `prisma studio` read the URL from here; the services get theirs from DATABASE_URL too.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
