// First: OpenTelemetry instruments libraries as they load, when traces are exported.
import '@bookstore/kit/instrument';
import { runServiceFromEnvironment } from '@bookstore/kit';
import { catalogService } from './service';

void runServiceFromEnvironment(catalogService);
