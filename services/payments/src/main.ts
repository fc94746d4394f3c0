import { runServiceFromEnvironment } from '@bookstore/kit';
import { paymentsService } from './service';

void runServiceFromEnvironment(paymentsService);
