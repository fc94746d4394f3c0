import { runServiceFromEnvironment } from '@bookstore/kit';
import { ordersService } from './service';

void runServiceFromEnvironment(ordersService);
