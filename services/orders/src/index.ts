export { createOrdersService, defaultOrdersSettings, ordersSettingsFromEnvironment, type OrdersSettings } from './service';
export const migrationsDir = `${__dirname}/../prisma/migrations`;
