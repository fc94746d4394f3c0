export { migrationsDir, ordersEnvironment, ordersService } from './service';
