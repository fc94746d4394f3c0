import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';

/** A resource as the program declared it: its type, name and the inputs it was given, resolved. */
export interface Declared {
  type: string;
  name: string;
  id: string;
  urn: string;
  inputs: Record<string, any>;
  state: Record<string, any>;
  /**
   * The URNs the engine must create before this resource: explicit `dependsOn` and the resources whose outputs
   * it takes, as the SDK sends them to the engine (RegisterResourceRequest.dependencies).
   */
  dependencies: string[];
  /** The `deleteBeforeReplace` option: a resource with a fixed physical name cannot have its replacement beside it. */
  deleteBeforeReplace: boolean;
  /** Pulumi's `protect`: the engine refuses to delete or replace the resource. */
  protect: boolean;
}

/** The tag every image of a synthesized stack was pushed with, unless a test says otherwise. */
export const pushedTag = 'c0ffee0';

const account = '123456789012';
const region = 'eu-west-1';

/** The attributes AWS would compute, enough for the program to wire resources together. */
function computed(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  const physical = inputs.name ?? inputs.identifier ?? inputs.family ?? name;
  const service = type.split(':')[1]!.split('/')[0]!;
  const state: Record<string, any> = { name: physical, arn: `arn:aws:${service}:${region}:${account}:${physical}` };
  if (type === 'aws:sqs/queue:Queue') Object.assign(state, { url: `https://sqs.${region}.amazonaws.com/${account}/${physical}` });
  if (type === 'aws:lb/loadBalancer:LoadBalancer') Object.assign(state, { dnsName: `${name}.${region}.elb.amazonaws.com`, arnSuffix: `app/${name}/1` });
  if (type === 'aws:lb/targetGroup:TargetGroup') Object.assign(state, { arnSuffix: `targetgroup/${name}/1` });
  if (type === 'aws:ecr/repository:Repository') Object.assign(state, { repositoryUrl: `${account}.dkr.ecr.${region}.amazonaws.com/${physical}` });
  if (type === 'aws:rds/instance:Instance') Object.assign(state, { address: `${physical}.rds.amazonaws.com`, port: 5432 });
  if (type === 'random:index/randomPassword:RandomPassword') Object.assign(state, { result: 'generated-secret-value' });
  if (type === 'random:index/randomId:RandomId') Object.assign(state, { hex: '5eed0a1f' });
  if (type === 'aws:cloudwatch/dashboard:Dashboard') Object.assign(state, { dashboardName: inputs.dashboardName });
  return { ...inputs, ...state };
}

/** A project's folder under infra/: the main program, or the registry that comes before it. */
export type Project = { name: 'bookstore'; folder: '.' } | { name: 'bookstore-registry'; folder: 'registry' };
const main: Project = { name: 'bookstore', folder: '.' };
const registry: Project = { name: 'bookstore-registry', folder: 'registry' };

/** The stack's own config file, as `pulumi up --stack <stack>` would read it. */
export function stackConfig(stack: string, project: Project = main): Record<string, string> {
  const file = readFileSync(path.join(__dirname, '..', project.folder, `Pulumi.${stack}.yaml`), 'utf8');
  return Object.fromEntries([...file.matchAll(/^ {2}([\w-]+:[\w-]+):\s*"?([^"\n]+)"?\s*$/gm)].map(([, key, value]) => [key!, value!.trim()]));
}

/**
 * What ECR holds: whether `<repository>:<tag>` was pushed. ECR's GetImage fails for anything else, and so
 * the program (the digest a task runs encodes the repository and tag it was looked up by).
 */
export type Pushed = (repository: string, tag: string) => boolean;

/**
 * Runs the Pulumi program for a stack under Pulumi's mocks (no AWS, no CLI) and returns every resource it
 * declared and its resolved outputs. `overrides` add or replace stack config values; by default the pipeline's
 * `bookstore:imageTag` is set and every image was pushed with it.
 */
export function synthesize(stack: 'dev' | 'prod', overrides: Record<string, string> = {}, pushed: Pushed = (_, tag) => tag === pushedTag) {
  // Loaded only once the mocks are in place, as Pulumi's testing guide requires.
  return underMocks(main, stack, { 'bookstore:imageTag': pushedTag, ...overrides }, pushed, () => (require('../src/stack') as typeof import('../src/stack')).bookstore());
}

/** The registry project (infra/registry) for a stack: its module runs the program when loaded. */
export function synthesizeRegistry(stack: 'dev' | 'prod') {
  return underMocks(registry, stack, {}, () => false, () => {
    let outputs: Record<string, unknown> = {};
    jest.isolateModules(() => { outputs = require('../registry/index'); });
    return outputs;
  });
}

async function underMocks<T extends Record<string, unknown>>(project: Project, stack: string, overrides: Record<string, string>, pushed: Pushed, program: () => T) {
  const declared: Declared[] = [];
  pulumi.runtime.setAllConfig({ ...stackConfig(stack, project), ...overrides }, []);
  await pulumi.runtime.setMocks(
    {
      newResource({ type, name, inputs }) {
        const state = computed(type, name, inputs);
        const id = `${name}_${type.split(":").pop()}`; // names repeat across types (a subnet and its route table)
        declared.push({ type, name, id, urn: '', inputs, state, dependencies: [], deleteBeforeReplace: false, protect: false });
        return { id, state };
      },
      call({ token, inputs }) {
        if (token === 'aws:index/getAvailabilityZones:getAvailabilityZones') return { names: ['a', 'b', 'c'].map((zone) => `${region}${zone}`), zoneIds: [] };
        // Only `region`: provider 7 deprecates `name`, and a program still reading it gets nothing here.
        if (token === 'aws:index/getRegion:getRegion') return { region, id: region };
        if (token === 'aws:index/getCallerIdentity:getCallerIdentity') return { accountId: account, arn: `arn:aws:iam::${account}:user/deployer`, userId: 'deployer', id: account };
        if (token === 'aws:ecr/getRepository:getRepository') return { name: inputs.name, repositoryUrl: `${account}.dkr.ecr.${region}.amazonaws.com/${inputs.name}`, id: inputs.name };
        if (token === 'aws:ecr/getImage:getImage') {
          if (!pushed(inputs.repositoryName, inputs.imageTag)) {
            throw new Error(`ImageNotFoundException: The image with imageId {imageTag:'${inputs.imageTag}'} does not exist within the repository with name '${inputs.repositoryName}'`);
          }
          return { imageDigest: `sha256:${inputs.repositoryName.replace(/\W/g, '')}${inputs.imageTag}`, id: inputs.imageTag };
        }
        throw new Error(`unexpected call ${token}`);
      },
    },
    project.name,
    stack,
    false,
  );
  recordDependencies(declared);
  const outputs = await resolve(program());
  // Resources register asynchronously; wait until no new one has appeared for a while.
  for (let seen = -1; seen !== declared.length; ) {
    seen = declared.length;
    await new Promise((done) => setTimeout(done, 50));
  }
  return { declared, outputs };
}

/**
 * The mocks' `newResource` sees only inputs; the dependencies travel in the request the SDK sends to the
 * (mock) resource monitor. Wrap the monitor to keep them, with the URN it answers.
 */
function recordDependencies(declared: Declared[]) {
  const monitor = pulumi.runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request: any, callback: (error: unknown, response: any) => void) =>
    register(request, (error: unknown, response: any) => {
      const resource = declared.findLast(({ type, name }) => type === request.getType() && name === request.getName());
      if (resource && response) Object.assign(resource, { urn: response.getUrn(), dependencies: request.getDependenciesList(), deleteBeforeReplace: request.getDeletebeforereplace(), protect: Boolean(request.getProtect()) });
      callback(error, response);
    });
}

/** Whether `resource` waits for `prerequisite`, directly (ordering in the engine is by these direct edges). */
export const waitsFor = (resource: Declared, prerequisite: Declared) => resource.dependencies.includes(prerequisite.urn);

function resolve<T extends Record<string, unknown>>(outputs: T): Promise<Record<keyof T, any>> {
  return new Promise((done) => pulumi.output(outputs).apply((values) => done(values as Record<keyof T, any>)));
}

export const ofType = (declared: Declared[], type: string) => declared.filter((resource) => resource.type === type);

export function byId(declared: Declared[], id: string): Declared {
  const found = declared.find((resource) => resource.id === id);
  if (!found) throw new Error(`no resource with id ${id}`);
  return found;
}
