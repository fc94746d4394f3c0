import { ofType, synthesize } from './harness';

describe('deploying exactly the images that were pushed', () => {
  it('refuses to run without an image tag, saying how to keep the running one', async () => {
    await expect(synthesize('dev', { 'bookstore:imageTag': '' })).rejects.toThrow(/bookstore:imageTag is not set.*pulumi stack output imageTag/s);
  });

  it('starts a new deployment of unchanged task definitions when the redeployment setting changes', async () => {
    const { declared } = await synthesize('dev', { 'bookstore:redeployment': '2026-11-27T21:00' });
    const ecsServices = ofType(declared, 'aws:ecs/service:Service');
    expect(ecsServices.length).toBeGreaterThan(0);
    for (const service of ecsServices) expect(service.inputs).toMatchObject({ forceNewDeployment: true, triggers: { redeployment: '2026-11-27T21:00' } });
  });
});
