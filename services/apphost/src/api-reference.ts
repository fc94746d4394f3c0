import { openApiPath, serviceNames } from '@bookstore/kit';

/**
 * Swagger UI's configuration for the API reference (apiReference in frontend/web-policy.ts): one OpenAPI
 * document per service of the routing table, to choose from. The gateway serves it, and nginx's config is
 * generated with it (scripts/nginx-config.ts).
 */
export const apiReferenceConfig = {
  urls: serviceNames.map((service) => ({ name: service, url: openApiPath(service) })),
};
