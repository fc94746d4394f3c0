import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { frontend, serviceNames, services, type ServiceName } from '@bookstore/kit/platform';

export type Workload = ServiceName | 'frontend';

/** What runs on ECS, each from its own image: the three services and the frontend. */
export const workloads: readonly Workload[] = [...serviceNames, 'frontend'];

export const workloadPort = (workload: Workload): number => (workload === 'frontend' ? frontend.port : services[workload].port);

/**
 * The firewall between the tiers: the internet reaches only the load balancer, on 80 and 443; each task
 * accepts connections only from the load balancer, on its own port. (Databases get their groups beside them.)
 */
export class SecurityGroups extends pulumi.ComponentResource {
  readonly loadBalancer: aws.ec2.SecurityGroup;
  readonly tasks = {} as Record<Workload, aws.ec2.SecurityGroup>;

  constructor(name: string, { vpcId, vpcCidr }: { vpcId: pulumi.Input<string>; vpcCidr: string }, opts?: pulumi.ComponentResourceOptions) {
    super('bookstore:network:SecurityGroups', name, {}, opts);
    const parent = { parent: this };
    this.loadBalancer = new aws.ec2.SecurityGroup(`${name}-alb`, {
      vpcId,
      description: 'load balancer: HTTP and HTTPS from anywhere',
      ingress: [80, 443].map((port) => ({ protocol: 'tcp', fromPort: port, toPort: port, cidrBlocks: ['0.0.0.0/0'], ipv6CidrBlocks: ['::/0'] })),
      egress: [{ protocol: 'tcp', fromPort: 0, toPort: 65535, cidrBlocks: [vpcCidr], description: 'to the tasks' }],
    }, parent);
    for (const workload of workloads) {
      const port = workloadPort(workload);
      this.tasks[workload] = new aws.ec2.SecurityGroup(`${name}-${workload}`, {
        vpcId,
        description: `${workload} tasks: only the load balancer, on ${port}`,
        ingress: [{ protocol: 'tcp', fromPort: port, toPort: port, securityGroups: [this.loadBalancer.id], description: 'from the load balancer' }],
        // AWS APIs (SNS, SQS, Secrets Manager, ECR, logs) through NAT, and the databases.
        egress: [{ protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['0.0.0.0/0'] }],
      }, parent);
    }
    this.registerOutputs({});
  }
}
