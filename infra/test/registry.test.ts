import { serviceNames } from '@bookstore/kit/platform';
import { ofType, stackConfig, synthesizeRegistry } from './harness';

describe.each(['dev', 'prod'] as const)('the %s registry (infra/registry), applied before images are pushed', (stack) => {
  it('creates a scanned, immutable, expiring repository per image, where the pipelines push', async () => {
    const { declared, outputs } = await synthesizeRegistry(stack);
    const repositories = ofType(declared, 'aws:ecr/repository:Repository');
    const images = [...serviceNames, 'frontend'];
    expect(repositories.map(({ inputs }) => inputs.name).sort()).toEqual(images.map((image) => `bookstore-${stack}/${image}`).sort());
    for (const repository of repositories) expect(repository.inputs).toMatchObject({ imageScanningConfiguration: { scanOnPush: true }, imageTagMutability: 'IMMUTABLE', forceDelete: stack !== 'prod' });
    expect(ofType(declared, 'aws:ecr/lifecyclePolicy:LifecyclePolicy')).toHaveLength(repositories.length);
    for (const repository of repositories) expect(repository.deleteBeforeReplace).toBe(true); // its name is fixed: the pipelines push there
    expect(Object.keys(outputs.repositoryUrls as object).sort()).toEqual(images.sort());
  });

  it("is in the main stack's region and environment", () => {
    const registry = stackConfig(stack, { name: 'bookstore-registry', folder: 'registry' });
    const main = stackConfig(stack);
    for (const key of ['aws:region', 'bookstore:environment']) expect([key, registry[key]]).toEqual([key, main[key]]);
  });
});
