export { catalogService, migrationsDir } from './service';
