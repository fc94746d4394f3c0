import { runServiceFromEnvironment } from '@bookstore/kit';
import { migrationsDir } from '.';
import { createPaymentsService } from './service';

void runServiceFromEnvironment('payments', (config, logger) => createPaymentsService(config, logger), migrationsDir);
