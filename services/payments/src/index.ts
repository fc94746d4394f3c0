export { migrationsDir, paymentsService } from './service';
