export { migrationsDir, paymentsService } from './service';
export { paymentsApi } from './api/operations';
