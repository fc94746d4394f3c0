import { runServiceFromEnvironment } from '@bookstore/kit';
import { migrationsDir } from '.';
import { createCatalogService } from './service';

void runServiceFromEnvironment('catalog', createCatalogService, migrationsDir);
