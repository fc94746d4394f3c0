import { serviceNames, type ServiceName } from '@bookstore/events/services';

/**
 * The routing table: which service answers which paths, on which port, with which database.
 * The local gateway, and later the ALB rules, nginx config and compose file, are all derived from it.
 */
export const services = {
  catalog: { port: 3001, pathPrefix: '/api/catalog', database: 'catalog' },
  orders: { port: 3002, pathPrefix: '/api/orders', database: 'orders' },
  payments: { port: 3003, pathPrefix: '/api/payments', database: 'payments' },
} as const satisfies Record<ServiceName, { port: number; pathPrefix: string; database: string }>;

export { serviceNames, type ServiceName };

/** Everything not matched by a service route goes to the frontend. */
export const frontend = { port: 3000 } as const;
export const gateway = { port: 8080 } as const;

/** Every service answers these on its own port, outside its path prefix, for load-balancer health checks. */
export const healthPaths = { live: '/healthz', ready: '/readyz' } as const;

export interface Route {
  service: ServiceName;
  /** ALB-style path pattern, for example `/api/orders/*`. */
  pathPattern: string;
  pathPrefix: string;
}

export const routes: Route[] = serviceNames.map((service) => ({
  service,
  pathPrefix: services[service].pathPrefix,
  pathPattern: `${services[service].pathPrefix}/*`,
}));

/** The route a request path belongs to, matched by prefix as the ALB does; undefined means the frontend. */
export function routeFor(path: string): Route | undefined {
  return routes.find(({ pathPrefix }) => path === pathPrefix || path.startsWith(`${pathPrefix}/`) || path.startsWith(`${pathPrefix}?`));
}
