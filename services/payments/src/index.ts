export { createPaymentsService } from './service';
export const migrationsDir = `${__dirname}/../prisma/migrations`;
