import { runServiceFromEnvironment } from '@bookstore/kit';
import { createOrdersService } from './service';

void runServiceFromEnvironment('orders', (config, logger) => createOrdersService(config, logger));
