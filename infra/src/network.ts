import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface NetworkArgs {
  cidr: string;
  availabilityZones: number;
  natGatewayPerZone: boolean;
}

/**
 * A VPC over several availability zones: public subnets hold only the load balancer and the NAT gateways;
 * private subnets hold the tasks and the databases, and reach the internet (AWS APIs, ECR) only through NAT.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpc: aws.ec2.Vpc;
  readonly publicSubnets: aws.ec2.Subnet[] = [];
  readonly privateSubnets: aws.ec2.Subnet[] = [];

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bookstore:network:Network', name, {}, opts);
    const parent = { parent: this };
    const zones = aws.getAvailabilityZonesOutput({ state: 'available' }, parent).names;
    const [first, second] = args.cidr.split('.');

    this.vpc = new aws.ec2.Vpc(name, { cidrBlock: args.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: name } }, parent);
    const gateway = new aws.ec2.InternetGateway(name, { vpcId: this.vpc.id, tags: { Name: name } }, parent);
    const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, {
      vpcId: this.vpc.id,
      routes: [{ cidrBlock: '0.0.0.0/0', gatewayId: gateway.id }],
      tags: { Name: `${name}-public` },
    }, parent);

    const natGateways: aws.ec2.NatGateway[] = [];
    for (let zone = 0; zone < args.availabilityZones; zone += 1) {
      const availabilityZone = zones.apply((names) => names[zone]!);
      const subnet = (tier: 'public' | 'private', third: number) =>
        new aws.ec2.Subnet(`${name}-${tier}-${zone}`, {
          vpcId: this.vpc.id,
          availabilityZone,
          cidrBlock: `${first}.${second}.${third}.0/24`,
          mapPublicIpOnLaunch: false,
          tags: { Name: `${name}-${tier}-${zone}`, tier },
        }, parent);
      const publicSubnet = subnet('public', zone);
      new aws.ec2.RouteTableAssociation(`${name}-public-${zone}`, { subnetId: publicSubnet.id, routeTableId: publicRoutes.id }, parent);
      this.publicSubnets.push(publicSubnet);

      if (zone === 0 || args.natGatewayPerZone) {
        const address = new aws.ec2.Eip(`${name}-nat-${zone}`, { domain: 'vpc', tags: { Name: `${name}-nat-${zone}` } }, parent);
        natGateways.push(new aws.ec2.NatGateway(`${name}-${zone}`, { subnetId: publicSubnet.id, allocationId: address.id, tags: { Name: `${name}-${zone}` } }, { ...parent, dependsOn: [gateway] }));
      }
      const privateSubnet = subnet('private', 100 + zone);
      const privateRoutes = new aws.ec2.RouteTable(`${name}-private-${zone}`, {
        vpcId: this.vpc.id,
        routes: [{ cidrBlock: '0.0.0.0/0', natGatewayId: natGateways[Math.min(zone, natGateways.length - 1)]!.id }],
        tags: { Name: `${name}-private-${zone}` },
      }, parent);
      new aws.ec2.RouteTableAssociation(`${name}-private-${zone}`, { subnetId: privateSubnet.id, routeTableId: privateRoutes.id }, parent);
      this.privateSubnets.push(privateSubnet);
    }
    this.registerOutputs({ vpcId: this.vpc.id });
  }
}
