import { serviceNames } from '@bookstore/kit/platform';
import { ofType } from './harness';
import { describeStack } from './properties';

describeStack('prod', (get) => {
  describe('production resilience', () => {
    it('runs a NAT gateway in each of three zones', () => {
      expect(ofType(get().declared, 'aws:ec2/subnet:Subnet').filter(({ inputs }) => inputs.tags.tier === 'private')).toHaveLength(3);
      expect(ofType(get().declared, 'aws:ec2/natGateway:NatGateway')).toHaveLength(3);
    });

    it('gives each service its own Multi-AZ database with deletion protection and two weeks of backups', () => {
      const instances = ofType(get().declared, 'aws:rds/instance:Instance');
      expect(instances).toHaveLength(serviceNames.length);
      for (const instance of instances) {
        expect(instance.inputs).toMatchObject({ multiAz: true, deletionProtection: true, backupRetentionPeriod: 14, skipFinalSnapshot: false });
      }
    });

    it('starts at least two API tasks per service', () => {
      const apis = ofType(get().declared, 'aws:ecs/service:Service').filter(({ name }) => name.endsWith('-api'));
      for (const api of apis) expect(api.inputs.desiredCount).toBeGreaterThanOrEqual(2);
    });
  });
});
