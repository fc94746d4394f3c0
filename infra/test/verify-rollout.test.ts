import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const script = path.join(__dirname, '../scripts/verify-rollout.mjs');
const repositoryRoot = path.join(__dirname, '../..');

interface Deployment { status: string; taskDefinition: string; rolloutState: string; rolloutStateReason?: string; runningCount: number; desiredCount: number }

/**
 * Runs the check against fake `pulumi` and `aws` commands that answer as the real ones do (`pulumi stack
 * output rollout --json`; `aws ecs describe-services`, at most 10 services a call) from the given state.
 */
function verify(wanted: Record<string, string>, deployments: Record<string, Deployment[]>) {
  const bin = mkdtempSync(path.join(os.tmpdir(), 'fake-cli-'));
  try {
    writeFileSync(path.join(bin, 'state.json'), JSON.stringify({ wanted, deployments }));
    const fake = (body: string) => `#!/usr/bin/env node\nconst state = require(${JSON.stringify(path.join(bin, 'state.json'))});\nconst args = process.argv.slice(2);\n${body}\n`;
    writeFileSync(path.join(bin, 'pulumi'), fake(`
if (args.slice(0, 3).join(' ') !== 'stack output rollout' || !args.includes('--json')) { console.error('unexpected pulumi ' + args.join(' ')); process.exit(2); }
console.log(JSON.stringify({ cluster: 'bookstore-dev-cluster', taskDefinitions: state.wanted }));`));
    writeFileSync(path.join(bin, 'aws'), fake(`
const names = args.slice(args.indexOf('--services') + 1, args.indexOf('--output'));
if (args[0] !== 'ecs' || args[1] !== 'describe-services' || names.length > 10) { console.error('InvalidParameterException'); process.exit(254); }
const services = names.filter((name) => state.deployments[name]).map((serviceName) => ({ serviceName, deployments: state.deployments[serviceName], events: [{ message: '(service ' + serviceName + ') deployment failed: tasks failed to start.' }] }));
console.log(JSON.stringify({ services, failures: [] }));`));
    for (const command of ['pulumi', 'aws']) chmodSync(path.join(bin, command), 0o755);
    return spawnSync(process.execPath, [script, 'dev'], { cwd: repositoryRoot, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

const completed = (taskDefinition: string): Deployment[] => [{ status: 'PRIMARY', taskDefinition, rolloutState: 'COMPLETED', runningCount: 2, desiredCount: 2 }];
const services = Array.from({ length: 12 }, (_, index) => `service-${index}`);
const wanted = Object.fromEntries(services.map((name) => [name, `arn:aws:ecs:eu-west-1:123456789012:task-definition/${name}:7`]));

describe('verify-rollout: did pulumi up really roll out?', () => {
  it('passes when every service runs the stack\'s task definition, completed, with every task running', () => {
    const result = verify(wanted, Object.fromEntries(services.map((name) => [name, completed(wanted[name]!)])));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('12 services');
  });

  it('fails on a deployment the circuit breaker rolled back, though ECS calls the service steady', () => {
    const rolledBack = { ...Object.fromEntries(services.map((name) => [name, completed(wanted[name]!)])), 'service-11': completed('arn:aws:ecs:eu-west-1:123456789012:task-definition/service-11:6') };
    const result = verify(wanted, rolledBack);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/service-11: runs .*service-11:6, not .*service-11:7 \(rolled back\? \(service service-11\) deployment failed/);
  });

  it('fails on a rollout still in progress or failed, and on missing tasks', () => {
    const result = verify(wanted, {
      ...Object.fromEntries(services.map((name) => [name, completed(wanted[name]!)])),
      'service-0': [{ status: 'PRIMARY', taskDefinition: wanted['service-0']!, rolloutState: 'FAILED', rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.', runningCount: 0, desiredCount: 1 }],
      'service-1': [{ status: 'PRIMARY', taskDefinition: wanted['service-1']!, rolloutState: 'COMPLETED', runningCount: 1, desiredCount: 2 }],
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('service-0: rollout FAILED: ECS deployment circuit breaker: tasks failed to start.');
    expect(result.stderr).toContain('service-1: 1 of 2 tasks running');
  });

  it('fails when a service is missing from the cluster', () => {
    const result = verify(wanted, Object.fromEntries(services.slice(1).map((name) => [name, completed(wanted[name]!)])));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('service-0: not found in cluster bookstore-dev-cluster');
  });
});
