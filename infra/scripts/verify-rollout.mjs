#!/usr/bin/env node
// After `pulumi up`: did every ECS service finish rolling out the task definition the stack asked for?
//
//   node infra/scripts/verify-rollout.mjs <stack>        (from the repository root, with the AWS and Pulumi CLIs)
//
// `waitForSteadyState` makes `pulumi up` wait, but a deployment that the circuit breaker rolled back also ends
// steady, on the old task definition, and `pulumi up` reports success. This asks ECS for each service's primary
// deployment and fails, naming the service and ECS's reason, unless it runs the stack's task definition,
// COMPLETED, with as many tasks running as desired.
import { execFileSync } from 'node:child_process';

const stack = process.argv[2];
if (!stack) {
  console.error('usage: verify-rollout.mjs <stack>');
  process.exit(2);
}
const run = (command, args) => execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

const { cluster, taskDefinitions } = JSON.parse(run('pulumi', ['stack', 'output', 'rollout', '--json', '--stack', stack, '--cwd', 'infra']));
const names = Object.keys(taskDefinitions);
const described = [];
for (let start = 0; start < names.length; start += 10) {
  // DescribeServices takes at most 10 services a call.
  described.push(...JSON.parse(run('aws', ['ecs', 'describe-services', '--cluster', cluster, '--services', ...names.slice(start, start + 10), '--output', 'json'])).services);
}

const problems = names.flatMap((name) => {
  const service = described.find((candidate) => candidate.serviceName === name);
  if (!service) return [`${name}: not found in cluster ${cluster}`];
  const primary = service.deployments.find((deployment) => deployment.status === 'PRIMARY');
  if (!primary) return [`${name}: no primary deployment`];
  const wanted = taskDefinitions[name];
  if (primary.taskDefinition !== wanted) return [`${name}: runs ${primary.taskDefinition}, not ${wanted} (rolled back? ${latestEvent(service)})`];
  if (primary.rolloutState !== 'COMPLETED') return [`${name}: rollout ${primary.rolloutState}: ${primary.rolloutStateReason ?? latestEvent(service)}`];
  if (primary.runningCount < primary.desiredCount) return [`${name}: ${primary.runningCount} of ${primary.desiredCount} tasks running`];
  return [];
});

function latestEvent(service) {
  return service.events?.[0]?.message ?? 'no events';
}

if (problems.length > 0) {
  console.error(`the ${stack} rollout did not complete:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  console.error('See infra/README.md, "When a deploy fails".');
  process.exit(1);
}
console.log(`the ${stack} rollout completed: ${names.length} services run the stack's task definitions`);
