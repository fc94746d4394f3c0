export { catalogService, migrationsDir } from './service';
export { catalogApi } from './api/operations';
