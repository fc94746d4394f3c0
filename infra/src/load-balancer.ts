import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { healthPaths, routes } from '@bookstore/kit/platform';
import { workloadPort, type Workload } from './security';

export interface LoadBalancerArgs {
  vpcId: pulumi.Input<string>;
  subnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  certificateArn?: string;
}

/**
 * The public entry: an ALB in the public subnets that routes by path, from the same routing table as the
 * local gateway: `/api/<service>/*` to that service, everything else to the frontend. With a certificate
 * it serves HTTPS and redirects HTTP to it.
 */
export class LoadBalancer extends pulumi.ComponentResource {
  readonly alb: aws.lb.LoadBalancer;
  readonly listener: aws.lb.Listener;
  readonly targetGroups = {} as Record<Workload, aws.lb.TargetGroup>;
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bookstore:network:LoadBalancer', name, {}, opts);
    const parent = { parent: this };
    this.alb = new aws.lb.LoadBalancer(name, {
      loadBalancerType: 'application',
      internal: false,
      subnets: args.subnetIds,
      securityGroups: [args.securityGroupId],
      dropInvalidHeaderFields: true,
      // The services take the client's address from the one entry the ALB appends (TRUSTED_PROXY_HOPS=1): said
      // explicitly, as their rate limits depend on it; a port in it would make every connection a new client.
      xffHeaderProcessingMode: 'append',
      enableXffClientPort: false,
    }, parent);

    for (const workload of [...routes.map(({ service }) => service), 'frontend'] as Workload[]) {
      this.targetGroups[workload] = new aws.lb.TargetGroup(`${name}-${workload}`, {
        port: workloadPort(workload),
        protocol: 'HTTP',
        targetType: 'ip',
        vpcId: args.vpcId,
        deregistrationDelay: 30,
        healthCheck: { path: healthPaths.live, matcher: '200', interval: 15, healthyThreshold: 2, unhealthyThreshold: 3 },
      }, parent);
    }

    const forwardToFrontend = [{ type: 'forward', targetGroupArn: this.targetGroups.frontend.arn }];
    if (args.certificateArn) {
      this.listener = new aws.lb.Listener(`${name}-https`, {
        loadBalancerArn: this.alb.arn,
        port: 443,
        protocol: 'HTTPS',
        sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        certificateArn: args.certificateArn,
        defaultActions: forwardToFrontend,
      }, parent);
      new aws.lb.Listener(`${name}-http`, {
        loadBalancerArn: this.alb.arn,
        port: 80,
        protocol: 'HTTP',
        defaultActions: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }],
      }, parent);
    } else {
      this.listener = new aws.lb.Listener(`${name}-http`, { loadBalancerArn: this.alb.arn, port: 80, protocol: 'HTTP', defaultActions: forwardToFrontend }, parent);
    }

    routes.forEach((route, index) => {
      new aws.lb.ListenerRule(`${name}-${route.service}`, {
        listenerArn: this.listener.arn,
        priority: 10 * (index + 1),
        conditions: [{ pathPattern: { values: [route.pathPrefix, route.pathPattern] } }],
        actions: [{ type: 'forward', targetGroupArn: this.targetGroups[route.service].arn }],
      }, parent);
    });
    this.url = pulumi.interpolate`${args.certificateArn ? 'https' : 'http'}://${this.alb.dnsName}`;
    this.registerOutputs({ url: this.url });
  }
}
