import { runServiceFromEnvironment } from '@bookstore/kit';
import { createPaymentsService } from './service';

void runServiceFromEnvironment('payments', (config, logger) => createPaymentsService(config, logger));
