import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';

/** A resource as the program declared it: its type, name and the inputs it was given, resolved. */
export interface Declared {
  type: string;
  name: string;
  id: string;
  inputs: Record<string, any>;
  state: Record<string, any>;
}

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
  if (type === 'aws:cloudwatch/dashboard:Dashboard') Object.assign(state, { dashboardName: inputs.dashboardName });
  return { ...inputs, ...state };
}

/** The stack's own config file, as `pulumi up --stack <stack>` would read it. */
function stackConfig(stack: string): Record<string, string> {
  const file = readFileSync(path.join(__dirname, `../Pulumi.${stack}.yaml`), 'utf8');
  return Object.fromEntries([...file.matchAll(/^ {2}([\w-]+:[\w-]+):\s*"?([^"\n]+)"?\s*$/gm)].map(([, key, value]) => [key!, value!.trim()]));
}

/**
 * Runs the Pulumi program for a stack under Pulumi's mocks (no AWS, no CLI) and returns every resource it
 * declared and its resolved outputs. `overrides` add or replace stack config values.
 */
export async function synthesize(stack: 'dev' | 'prod', overrides: Record<string, string> = {}) {
  const declared: Declared[] = [];
  pulumi.runtime.setAllConfig({ ...stackConfig(stack), ...overrides }, []);
  await pulumi.runtime.setMocks(
    {
      newResource({ type, name, inputs }) {
        const state = computed(type, name, inputs);
        const id = `${name}_${type.split(":").pop()}`; // names repeat across types (a subnet and its route table)
        declared.push({ type, name, id, inputs, state });
        return { id, state };
      },
      call({ token }) {
        if (token === 'aws:index/getAvailabilityZones:getAvailabilityZones') return { names: ['a', 'b', 'c'].map((zone) => `${region}${zone}`), zoneIds: [] };
        if (token === 'aws:index/getRegion:getRegion') return { name: region, id: region };
        throw new Error(`unexpected call ${token}`);
      },
    },
    'bookstore',
    stack,
    false,
  );
  // Loaded only now, after the mocks are in place, as Pulumi's testing guide requires.
  const { bookstore }: typeof import('../src/stack') = require('../src/stack');
  const outputs = await resolve(bookstore());
  // Resources register asynchronously; wait until no new one has appeared for a while.
  for (let seen = -1; seen !== declared.length; ) {
    seen = declared.length;
    await new Promise((done) => setTimeout(done, 50));
  }
  return { declared, outputs };
}

function resolve<T extends Record<string, unknown>>(outputs: T): Promise<Record<keyof T, any>> {
  return new Promise((done) => pulumi.output(outputs).apply((values) => done(values as Record<keyof T, any>)));
}

export const ofType = (declared: Declared[], type: string) => declared.filter((resource) => resource.type === type);

export function byId(declared: Declared[], id: string): Declared {
  const found = declared.find((resource) => resource.id === id);
  if (!found) throw new Error(`no resource with id ${id}`);
  return found;
}
