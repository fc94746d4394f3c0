export { migrationsDir, ordersEnvironment, ordersService } from './service';
export { ordersApi } from './api/operations';
