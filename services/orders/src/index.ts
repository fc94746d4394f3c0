export { createOrdersService, ordersSettingsFromEnvironment, type OrdersSettings } from './service';
export const migrationsDir = `${__dirname}/../prisma/migrations`;
