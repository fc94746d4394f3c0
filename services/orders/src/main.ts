import { runServiceFromEnvironment } from '@bookstore/kit';
import { migrationsDir } from '.';
import { createOrdersService } from './service';

void runServiceFromEnvironment('orders', (config, logger) => createOrdersService(config, logger), migrationsDir);
