import { ofType } from './harness';
import { describeStack } from './properties';

describeStack('dev', (get) => {
  describe('a cheap development environment', () => {
    it('shares one NAT gateway across two zones', () => {
      expect(ofType(get().declared, 'aws:ec2/subnet:Subnet').filter(({ inputs }) => inputs.tags.tier === 'private')).toHaveLength(2);
      expect(ofType(get().declared, 'aws:ec2/natGateway:NatGateway')).toHaveLength(1);
    });

    it('puts the three databases on one small single-AZ instance that can be torn down', () => {
      const instances = ofType(get().declared, 'aws:rds/instance:Instance');
      expect(instances).toHaveLength(1);
      expect(instances[0]!.inputs).toMatchObject({ multiAz: false, deletionProtection: false, instanceClass: 'db.t4g.micro', skipFinalSnapshot: true });
      expect(ofType(get().declared, 'aws:secretsmanager/secret:Secret').map(({ inputs }) => inputs.namePrefix).sort()).toEqual(
        ['admin-token-', 'db-catalog-url-', 'db-orders-url-', 'db-payments-url-', 'db-shared-admin-url-', 'order-token-key-'].map((name) => `bookstore-dev-${name}`),
      );
    });
  });
});
