import { runServiceFromEnvironment } from '@bookstore/kit';
import { catalogService } from './service';

void runServiceFromEnvironment(catalogService);
