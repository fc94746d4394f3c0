import type { Server } from 'node:http';
import { frontend, gateway, listen, runService, serviceNames, services, type RunningService, type ServiceName } from '@bookstore/kit';
import { createGateway, type FrontendSource } from './gateway';
import { prepareSystem, serviceDefinitions, serviceEnvironment, type SystemOptions } from './system';
import { Teardown } from './teardown';

export interface StackOptions extends SystemOptions {
  /** Ports to listen on; 0 picks a free one. Defaults come from the routing table. */
  ports?: Partial<Record<ServiceName | 'gateway', number>>;
  /** The built shopper app to serve, or the server to proxy it from (default: the Vite dev server on its port). */
  frontend?: FrontendSource;
}

export interface Stack {
  gatewayUrl: string;
  serviceUrls: Record<ServiceName, string>;
  databaseUrls: Record<ServiceName, string>;
  running: Record<ServiceName, RunningService>;
  stop(): Promise<void>;
}

/**
 * The whole system in this process, for `npm start` and the system tests: prepares it, starts every service with
 * both roles (API and worker) from the environment its container would get, and the gateway in front of them.
 * A failure at any step stops whatever had started.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const databaseUrls = await prepareSystem(options);
  const teardown = new Teardown(options.logger);
  try {
    const running = await startServices(options, databaseUrls, teardown);
    const serviceUrls = Object.fromEntries(serviceNames.map((name) => [name, `http://127.0.0.1:${running[name].port}`])) as Record<ServiceName, string>;
    const gatewayUrl = await startGateway(options, serviceUrls, teardown);
    return { gatewayUrl, serviceUrls, databaseUrls, running, stop: () => teardown.stop() };
  } catch (error) {
    await teardown.stop();
    throw error;
  }
}

async function startServices(options: StackOptions, databaseUrls: Record<ServiceName, string>, teardown: Teardown): Promise<Record<ServiceName, RunningService>> {
  options.onStep?.('starting services');
  const running: Partial<Record<ServiceName, RunningService>> = {};
  // Registered first and stopping whichever have started by then; they stop together, not one after the other.
  teardown.add(async () => {
    await Promise.all(Object.values(running).map((service) => service.stop()));
  });
  for (const name of serviceNames) {
    const service = serviceDefinitions[name].create(serviceEnvironment(options, name, databaseUrls[name]), options.logger.child({ name }));
    running[name] = await runService(service, { roles: ['api', 'worker'], port: options.ports?.[name] ?? services[name].port });
  }
  return running as Record<ServiceName, RunningService>;
}

/** The gateway in front of the services and the shopper app, as the ALB is in AWS; returns its URL. */
async function startGateway(options: StackOptions, serviceUrls: Record<ServiceName, string>, teardown: Teardown): Promise<string> {
  options.onStep?.('starting the gateway');
  const app = createGateway(serviceUrls, options.frontend ?? { url: `http://127.0.0.1:${frontend.port}` });
  const server = await listen(app, options.ports?.gateway ?? gateway.port);
  teardown.add(() => closeNow(server));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

/** Closes a server and the connections on it, idle or not (browsers keep them open). */
function closeNow(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
