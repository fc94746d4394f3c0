import { runServiceFromEnvironment } from '@bookstore/kit';
import { createCatalogService } from './service';

void runServiceFromEnvironment('catalog', createCatalogService);
