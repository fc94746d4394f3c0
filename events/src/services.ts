/**
 * The services of the system. Each has its own database, API, topic and queue; everything that lists them
 * (the topology, the routing table in services/kit, the images, the Pulumi stack) reads this list.
 */
export const serviceNames = ['catalog', 'orders', 'payments'] as const;
export type ServiceName = (typeof serviceNames)[number];
