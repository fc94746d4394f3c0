import { serviceNames } from '@bookstore/kit/platform';
import { ofType, synthesize } from './harness';
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

    it('protects the databases from a replacement, which would be a new empty database', () => {
      for (const instance of ofType(get().declared, 'aws:rds/instance:Instance')) expect(instance.protect).toBe(true);
    });

    it('starts at least two API tasks per service', () => {
      const apis = ofType(get().declared, 'aws:ecs/service:Service').filter(({ name }) => name.endsWith('-api'));
      for (const api of apis) expect(api.inputs.desiredCount).toBeGreaterThanOrEqual(2);
    });
  });
});

describe('tearing prod down, as infra/README.md says (deletion protection lifted first)', () => {
  it('still leaves a final snapshot and the backups of every database, and secrets to recover for 30 days', async () => {
    const { declared } = await synthesize('prod', { 'bookstore:deletionProtection': 'false' });
    const instances = ofType(declared, 'aws:rds/instance:Instance');
    expect(instances).toHaveLength(serviceNames.length);
    for (const instance of instances) {
      expect(instance.inputs).toMatchObject({ deletionProtection: false, skipFinalSnapshot: false, deleteAutomatedBackups: false });
      expect(instance.inputs.finalSnapshotIdentifier).toMatch(/^bookstore-prod-\w+-final-/);
      expect(instance.protect).toBe(false);
    }
    for (const secret of ofType(declared, 'aws:secretsmanager/secret:Secret')) expect(secret.inputs.recoveryWindowInDays).toBe(30);
  });
});
