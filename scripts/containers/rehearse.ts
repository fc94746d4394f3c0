/**
 * The container rehearsal (rehearse.sh installs podman, sets it up and makes the base images, then runs this with
 * tsx). It builds the four images and runs them as docker-compose.yml and ECS do, one container per role, against a
 * PostgreSQL and an SNS/SQS emulator on loopback, then checks what only containers show:
 *   - an order placed through the frontend's nginx (port 3000, routing /api/<service>/) becomes CONFIRMED;
 *   - the image's own HEALTHCHECK passes for each API;
 *   - `docker stop` of a worker in the middle of its 20 s long poll exits 0 within the default 10 s (not 137);
 *   - the RDS CA bundle is in each service image at /app/certs/rds-global-bundle.pem;
 *   - migrate, the API (with its HEALTHCHECK) and the worker run with a read-only root filesystem (docker run --read-only);
 *   - the service images run compiled JavaScript: no tsx, esbuild or TypeScript in their node_modules;
 *   - (reported) the start-to-healthy time of a fresh API container, the images' sizes and node_modules.
 * Every wait has a timeout; everything it starts is removed at the end, also on failure or Ctrl-C; it exits
 * non-zero when a check fails. Logs go to reports/containers/.
 *
 * All containers use the host's network, as TOOLCHAIN.md found works here: they reach PostgreSQL and the emulator
 * on 127.0.0.1, and the APIs listen on their ports from the routing table (3001-3003) on 127.0.0.1. nginx resolves
 * the names in its config (catalog-api, ...) at run time through a resolver (compose has Docker's DNS): here a tiny
 * DNS responder on 127.53.0.1:53 answers those three names with 127.0.0.1, and the frontend container gets a
 * resolv.conf naming it.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import { chmodSync, createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClient } from '@bookstore/apphost/testing';
import { frontend, serviceNames, services, type ServiceName } from '@bookstore/kit/platform';
import { startEmulatorProcess, type Emulator } from '../../services/apphost/src/emulator';
import { startEmbeddedPostgres, type PostgresServer } from '../../services/apphost/src/postgres';

const repo = path.resolve(__dirname, '../..');
const reports = path.join(repo, 'reports/containers');
const label = 'bookstore.rehearsal=1';
const prefix = 'bookstore-rehearsal-';
const resolverAddress = '127.53.0.1';
const imageOf = (name: string) => `localhost/bookstore/${name}:local`;
const apiName = (name: ServiceName) => `${name}-api`;
const env = { ...process.env, CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? path.join(__dirname, 'containers.conf') };

// ---- results -------------------------------------------------------------------------------------------------

type Status = 'PASS' | 'FAIL' | 'INFO';
const results: { status: Status; name: string; detail: string }[] = [];
const record = (status: Status, name: string, detail = '') => {
  results.push({ status, name, detail });
  console.log(`[rehearsal] ${status.padEnd(4)} ${name}${detail ? `: ${detail}` : ''}`);
};
const log = (message: string) => console.log(`[rehearsal] ${message}`);
const seconds = (since: number) => Math.round((performance.now() - since) / 100) / 10;

// ---- commands with timeouts ------------------------------------------------------------------------------------

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  seconds: number;
}

/** Runs a command to completion or until `timeoutMs`, then kills it. Output goes to `logFile` too, when given. */
function run(command: string, args: string[], { timeoutMs, logFile }: { timeoutMs: number; logFile?: string }): Promise<Ran> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    const file = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < 1e6) stdout += chunk.toString();
      file?.write(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 1e6) stderr += chunk.toString();
      file?.write(chunk);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      file?.end();
      resolve({ status, stdout, stderr, timedOut, seconds: seconds(started) });
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      file?.end();
      resolve({ status: null, stdout, stderr: `${stderr}${error.message}`, timedOut, seconds: seconds(started) });
    });
  });
}

const podman = (args: string[], timeoutMs = 60_000, logFile?: string) => run('podman', args, { timeoutMs, logFile });
/** podman's own noise about systemd health-check timers (there is no systemd here) is not an error of ours. */
const meaningful = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => line.trim() && !line.includes('systemd'))
    .join('\n');
const lastLines = (text: string, count = 5) => text.trim().split('\n').slice(-count).join(' | ').slice(0, 600);

/** Thrown by a waitFor check when waiting longer cannot help (the container exited). */
class GaveUp extends Error {}

async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch((error: unknown) => {
      if (error instanceof GaveUp) throw error;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

async function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function httpOk(url: string): Promise<boolean | undefined> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return response.ok ? true : undefined;
}

// ---- the DNS responder for nginx ------------------------------------------------------------------------------

/** Answers A queries for the given names with 127.0.0.1 (NXDOMAIN for anything else). Enough for nginx's resolver. */
function startResolver(names: string[]): Promise<dgram.Socket> {
  const known = new Set(names.map((name) => name.toLowerCase()));
  const socket = dgram.createSocket('udp4');
  socket.on('message', (query, peer) => {
    try {
      if (query.length < 12 || query.readUInt16BE(4) !== 1) return;
      let offset = 12;
      const labels: string[] = [];
      while (query[offset]) {
        labels.push(query.toString('ascii', offset + 1, offset + 1 + query[offset]!));
        offset += query[offset]! + 1;
      }
      offset += 1;
      const type = query.readUInt16BE(offset);
      const question = query.subarray(12, offset + 4);
      const found = known.has(labels.join('.').toLowerCase());
      const answers = found && type === 1 ? 1 : 0;
      const header = Buffer.alloc(12);
      header.writeUInt16BE(query.readUInt16BE(0), 0);
      header.writeUInt16BE(0x8000 | 0x0400 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | (found ? 0 : 3), 2);
      header.writeUInt16BE(1, 4);
      header.writeUInt16BE(answers, 6);
      const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 127, 0, 0, 1]);
      socket.send(Buffer.concat([header, question, ...(answers ? [answer] : [])]), peer.port, peer.address);
    } catch {
      // a malformed query gets no answer
    }
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(53, resolverAddress, () => resolve(socket));
  });
}

// ---- what the run starts, and its cleanup ----------------------------------------------------------------------

let work: string | undefined;
let postgres: PostgresServer | undefined;
let emulator: Emulator | undefined;
let resolver: dgram.Socket | undefined;
let cleaning: Promise<void> | undefined;

async function removeContainers(): Promise<void> {
  const { stdout } = await podman(['ps', '-a', '--filter', `label=${label}`, '--format', '{{.Names}}']);
  const names = stdout.split('\n').filter(Boolean);
  if (names.length > 0) await podman(['rm', '--force', '--time', '0', ...names], 120_000);
}

async function saveLogs(): Promise<void> {
  const { stdout } = await podman(['ps', '-a', '--filter', `label=${label}`, '--format', '{{.Names}}']);
  for (const name of stdout.split('\n').filter(Boolean)) {
    const { stdout: out, stderr } = await podman(['logs', name], 30_000);
    writeFileSync(path.join(reports, `${name.slice(prefix.length)}.log`), `${out}${stderr}`);
  }
}

function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    if (process.env.REHEARSAL_KEEP === '1') {
      log('REHEARSAL_KEEP=1: leaving the containers, PostgreSQL and the emulator running; remove the containers with rehearse.sh --clean');
      return;
    }
    await saveLogs().catch(() => undefined);
    await removeContainers().catch((error) => log(`removing the containers failed: ${error}`));
    resolver?.close();
    await emulator?.stop().catch(() => undefined);
    await postgres?.stop().catch(() => undefined);
    if (work) rmSync(work, { recursive: true, force: true });
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

// ---- containers ------------------------------------------------------------------------------------------------

const adminToken = randomBytes(18).toString('base64url'); // never printed
const orderTokenKey = randomBytes(32).toString('base64url'); // never printed
const roles = new Map<ServiceName, { password: string }>(serviceNames.map((name) => [name, { password: randomBytes(12).toString('hex') }]));

function serviceEnvironment(name: ServiceName, postgresPort: number): string[] {
  const role = `${name}_service`;
  const variables: Record<string, string> = {
    DATABASE_URL: `postgres://${role}:${roles.get(name)!.password}@127.0.0.1:${postgresPort}/${services[name].database}`,
    AWS_ENDPOINT_URL: emulator!.endpoint,
    AWS_REGION: 'us-east-1',
    // The emulator takes any credentials; these are its conventional placeholders.
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    ADMIN_TOKEN: adminToken,
    ...(name === 'orders' && { ORDER_TOKEN_KEY: orderTokenKey }),
    LOG_LEVEL: 'info',
    // The longest poll there is, so that stopping a worker happens in the middle of one.
    SQS_WAIT_TIME_SECONDS: '20',
    HOST: '127.0.0.1',
  };
  return Object.entries(variables).flatMap(([key, value]) => ['--env', `${key}=${value}`]);
}

const base = (name: string) => ['--name', `${prefix}${name}`, '--label', label, '--network', 'host', '--pull', 'never'];

/** A one-shot container: runs to its end within `timeoutMs` and must exit 0. */
async function oneShot(name: string, args: string[], timeoutMs: number): Promise<void> {
  const ran = await podman(['run', ...base(name), ...args], timeoutMs);
  if (ran.timedOut || ran.status !== 0) {
    throw new Error(`${name} ${ran.timedOut ? `did not finish within ${timeoutMs / 1000} s` : `exited ${ran.status}`}: ${lastLines(`${ran.stdout}\n${meaningful(ran.stderr)}`)}`);
  }
}

async function detached(name: string, args: string[]): Promise<void> {
  const ran = await podman(['run', '--detach', ...base(name), ...args], 60_000);
  if (ran.status !== 0) throw new Error(`starting ${name} failed: ${lastLines(meaningful(ran.stderr))}`);
}

async function containerState(name: string): Promise<{ running: boolean; exitCode: number }> {
  const { stdout } = await podman(['inspect', '--format', '{{.State.Running}} {{.State.ExitCode}}', `${prefix}${name}`]);
  const [running, exitCode] = stdout.trim().split(' ');
  return { running: running === 'true', exitCode: Number(exitCode) };
}

async function containerLogs(name: string): Promise<string> {
  const { stdout, stderr } = await podman(['logs', `${prefix}${name}`], 30_000);
  return `${stdout}${stderr}`;
}

/** Waits for an HTTP endpoint of a container, failing at once if the container exits. */
async function waitForHttp(name: string, url: string, timeoutMs: number, intervalMs = 250): Promise<void> {
  await waitFor(`${name} to answer ${url}`, timeoutMs, async () => {
    if (await httpOk(url).catch(() => undefined)) return true;
    const state = await containerState(name);
    if (!state.running) {
      const output = await containerLogs(name);
      const cause = output.split('\n').find((line) => /\bE[A-Z]{3,}\b.*:|Error:/.test(line))?.trim();
      throw new GaveUp(`${name} exited ${state.exitCode}: ${cause ?? lastLines(output)}`);
    }
    return undefined;
  }, intervalMs).catch(async (error: Error) => {
    if (error instanceof GaveUp) throw error;
    throw new Error(`${error.message}; its log: ${lastLines(await containerLogs(name))}`);
  });
}

// ---- the steps -------------------------------------------------------------------------------------------------

async function preflight(): Promise<void> {
  const busy: number[] = [];
  const ports = [frontend.port, ...serviceNames.map((name) => services[name].port)];
  for (const port of ports) if (!(await portIsFree(port, '0.0.0.0')) || !(await portIsFree(port, '127.0.0.1'))) busy.push(port);
  if (busy.length > 0) {
    throw new Error(`port(s) ${busy.join(', ')} are in use; the containers share the host's network and need ${ports.join(', ')} (is npm start or another rehearsal running?)`);
  }
}

async function buildImages(): Promise<void> {
  const builds: { name: string; args: string[] }[] = [
    ...serviceNames.map((name) => ({ name, args: ['-f', 'services/Dockerfile', '--build-arg', `SERVICE=${name}`] })),
    { name: 'frontend', args: ['-f', 'frontend/Dockerfile'] },
  ];
  for (const { name, args } of builds) {
    const logFile = path.join(reports, `build-${name}.log`);
    rmSync(logFile, { force: true });
    // --format docker keeps HEALTHCHECK (the OCI format drops it); --network host reaches the npm registry as
    // this machine does; --pull never uses the base images as rehearse.sh left them.
    const ran = await podman(['build', '--format', 'docker', '--pull=never', '--network', 'host', ...args, '--tag', imageOf(name), '.'], 20 * 60_000, logFile);
    if (ran.timedOut || ran.status !== 0) throw new Error(`building ${name} ${ran.timedOut ? 'timed out' : 'failed'} (${logFile}): ${lastLines(ran.stderr || ran.stdout)}`);
    const { stdout: size } = await podman(['image', 'inspect', '--format', '{{.Size}}', imageOf(name)]);
    record('PASS', `build ${name}`, `${ran.seconds} s, ${Math.round(Number(size) / 1e6)} MB`);
  }
}

async function startHostServices(): Promise<{ postgresPort: number }> {
  work = mkdtempSync('/var/tmp/bookstore-rehearsal-');
  chmodSync(work, 0o755); // the embedded PostgreSQL runs as the OS user postgres, which must reach its data directory
  const postgresPort = await freePort();
  postgres = await startEmbeddedPostgres({ dataDir: path.join(work, 'postgres', 'data'), port: postgresPort, persistent: false });
  emulator = await startEmulatorProcess(await freePort());
  resolver = await startResolver(serviceNames.map(apiName)).catch((error: Error) => {
    throw new Error(`the DNS responder for nginx cannot listen on ${resolverAddress}:53 (${error.message})`);
  });
  writeFileSync(path.join(work, 'resolv.conf'), `nameserver ${resolverAddress}\n`);
  record('PASS', 'PostgreSQL, SNS/SQS emulator and resolver on loopback', `postgres 127.0.0.1:${postgresPort}, SNS/SQS ${emulator.endpoint}, DNS ${resolverAddress}:53`);
  return { postgresPort };
}

async function startServices(postgresPort: number): Promise<void> {
  // The compose file's one-shot `topology`: the catalog image provisions every topic, queue and subscription.
  await oneShot('topology', ['--env', `AWS_ENDPOINT_URL=${emulator!.endpoint}`, '--env', 'AWS_REGION=us-east-1', '--env', 'AWS_ACCESS_KEY_ID=test', '--env', 'AWS_SECRET_ACCESS_KEY=test', '--entrypoint', 'node', imageOf('catalog'), 'dist/provision.cjs'], 120_000);
  record('PASS', 'topology one-shot (catalog image, dist/provision.cjs)');
  for (const name of serviceNames) {
    const environment = serviceEnvironment(name, postgresPort);
    // As ECS's migrate step: the admin URL creates the service's own role and database, then migrates as that role.
    await oneShot(`${name}-migrate`, [...environment, '--env', `DATABASE_ADMIN_URL=${postgres!.url}/postgres`, imageOf(name), 'migrate'], 180_000);
    await detached(`${name}-api`, [...environment, '--env', `PORT=${services[name].port}`, imageOf(name), 'api']);
    // On the host's network, a worker needs a port of its own for its health (/healthz, /readyz).
    await detached(`${name}-worker`, [...environment, '--env', `PORT=${await freePort()}`, imageOf(name), 'worker']);
  }
  record('PASS', 'migrate one-shots', serviceNames.map((name) => `${name}-migrate exit 0`).join(', '));
  for (const name of serviceNames) {
    await waitForHttp(`${name}-api`, `http://127.0.0.1:${services[name].port}/healthz`, 90_000);
    const check = await podman(['healthcheck', 'run', `${prefix}${name}-api`], 30_000);
    record(check.status === 0 ? 'PASS' : 'FAIL', `${name}-api serves; the image's HEALTHCHECK`, check.status === 0 ? 'healthy' : `unhealthy: ${lastLines(check.stdout + meaningful(check.stderr))}`);
  }
  for (const name of serviceNames) {
    const state = await containerState(`${name}-worker`);
    if (!state.running) throw new Error(`${name}-worker exited ${state.exitCode}: ${lastLines(await containerLogs(`${name}-worker`))}`);
    const check = await podman(['healthcheck', 'run', `${prefix}${name}-worker`], 30_000);
    record(check.status === 0 ? 'PASS' : 'FAIL', `${name}-worker running; the image's HEALTHCHECK`, check.status === 0 ? 'healthy' : `unhealthy: ${lastLines(check.stdout + meaningful(check.stderr))}`);
  }
}

async function startFrontend(): Promise<void> {
  await detached('frontend', ['--volume', `${path.join(work!, 'resolv.conf')}:/etc/resolv.conf:ro`, imageOf('frontend')]);
  await waitForHttp('frontend', `http://127.0.0.1:${frontend.port}/healthz`, 60_000);
  const check = await podman(['healthcheck', 'run', `${prefix}frontend`], 30_000);
  record(check.status === 0 ? 'PASS' : 'FAIL', "frontend's nginx serves on 3000; the image's HEALTHCHECK", check.status === 0 ? 'healthy' : `unhealthy: ${lastLines(check.stdout + meaningful(check.stderr))}`);
}

async function placeOrder(): Promise<void> {
  const shop = `http://127.0.0.1:${frontend.port}`;
  // The compose file's one-shot `seed`: 48 books through Catalog's admin API.
  await oneShot('seed', ['--env', `CATALOG_URL=http://127.0.0.1:${services.catalog.port}`, '--env', `ADMIN_TOKEN=${adminToken}`, '--entrypoint', 'node', imageOf('catalog'), 'dist/seed.cjs'], 180_000);
  const api = new ApiClient(shop, adminToken);
  const listed = await api.request('GET', '/api/catalog/books');
  if (listed.status !== 200 || !(listed.body?.items?.length > 0)) throw new Error(`GET /api/catalog/books through nginx answered ${listed.status} ${JSON.stringify(listed.body).slice(0, 200)}`);
  record('PASS', 'seed one-shot; /api/catalog through nginx', `${listed.body.items.length} books listed`);
  const started = performance.now();
  const book = await api.addBook({ stock: 5 });
  const paymentMethodId = await api.registerCard();
  const placed = await api.placeOrder([{ bookId: book.id, quantity: 1 }], paymentMethodId, { 'Idempotency-Key': randomUUID() });
  const order = await api.settledOrder(placed.orderId, placed.accessToken, 60_000);
  const timeline = Array.isArray(order?.timeline) ? order.timeline.map((entry: { type: string }) => entry.type).join(' > ') : '';
  record(order?.status === 'CONFIRMED' ? 'PASS' : 'FAIL', 'an order through nginx on port 3000', `${order?.status} after ${seconds(started)} s${timeline ? ` (${timeline})` : ''}`);
}

async function stopWorkers(): Promise<void> {
  await sleep(2_000); // the workers are idle now, each in a 20 s long poll
  for (const name of serviceNames) {
    const worker = `${name}-worker`;
    // `podman stop` as `docker stop`: SIGTERM, then SIGKILL after the default 10 s.
    const ran = await podman(['stop', `${prefix}${worker}`], 60_000);
    const { exitCode } = await containerState(worker);
    const ok = ran.status === 0 && exitCode === 0 && ran.seconds < 10;
    record(ok ? 'PASS' : 'FAIL', `docker stop ${worker} during its 20 s long poll`, `exit ${exitCode} after ${ran.seconds} s${exitCode === 137 ? ' (SIGKILL: it did not stop within 10 s)' : ''}`);
  }
}

/** Runs a node script inside an image, offline, and reads the JSON its last line prints; the error's tail when it fails. */
async function factsFromImage<T>(image: string, script: string): Promise<{ facts?: T; error: string }> {
  const ran = await podman(['run', '--rm', '--network', 'none', '--pull', 'never', '--label', label, '--entrypoint', 'node', image, '-e', script], 60_000);
  return ran.status === 0 ? { facts: JSON.parse(ran.stdout.trim().split('\n').at(-1)!) as T, error: '' } : { error: lastLines(ran.stderr) };
}

async function checkCaBundles(): Promise<void> {
  const script = [
    "const { X509Certificate } = require('node:crypto');",
    "const text = require('node:fs').readFileSync('/app/certs/rds-global-bundle.pem', 'utf8');",
    "const certs = (text.match(/-----BEGIN CERTIFICATE-----[\\s\\S]+?-----END CERTIFICATE-----/g) || []).map((pem) => new X509Certificate(pem));",
    "const now = Date.now();",
    "const roots = certs.filter((c) => c.subject.includes('Amazon RDS') && c.checkIssued(c) && Date.parse(c.validTo) > now);",
    'console.log(JSON.stringify({ certificates: certs.length, validRdsRoots: roots.length }));',
  ].join(' ');
  for (const name of serviceNames) {
    const { facts: found, error } = await factsFromImage<{ certificates: number; validRdsRoots: number }>(imageOf(name), script);
    const ok = found !== undefined && found.certificates > 10 && found.validRdsRoots > 0;
    record(ok ? 'PASS' : 'FAIL', `${name} image: /app/certs/rds-global-bundle.pem`, found ? `${found.certificates} certificates, ${found.validRdsRoots} valid Amazon RDS roots` : error);
  }
}

/** Docker's --read-only (podman mounts tmpfs directories unless told not to), as ECS's readonlyRootFilesystem. */
const readOnly = ['--read-only', '--read-only-tmpfs=false'];

/** Required: migrate, the API (and its HEALTHCHECK) and the worker of the catalog image on a read-only root filesystem. */
async function readOnlyRootFilesystem(postgresPort: number): Promise<void> {
  const environment = serviceEnvironment('catalog', postgresPort);
  try {
    await oneShot('readonly-migrate', [...readOnly, ...environment, imageOf('catalog'), 'migrate'], 120_000);
    record('PASS', 'read-only root filesystem: catalog migrate', 'exit 0');
  } catch (error) {
    record('FAIL', 'read-only root filesystem: catalog migrate', (error as Error).message.slice(0, 400));
  }
  const port = await freePort();
  try {
    const started = performance.now();
    await detached('readonly-api', [...readOnly, ...environment, '--env', `PORT=${port}`, imageOf('catalog'), 'api']);
    await detached('readonly-worker', [...readOnly, ...environment, '--env', `PORT=${await freePort()}`, imageOf('catalog'), 'worker']);
    await waitForHttp('readonly-api', `http://127.0.0.1:${port}/healthz`, 60_000);
    const healthy = seconds(started);
    const check = await podman(['healthcheck', 'run', `${prefix}readonly-api`], 30_000);
    if (check.status !== 0) throw new Error(`the image's HEALTHCHECK failed: ${lastLines(check.stdout + meaningful(check.stderr))}`);
    record('PASS', 'read-only root filesystem: catalog api serves; its HEALTHCHECK', `healthy after ${healthy} s`);
  } catch (error) {
    record('FAIL', 'read-only root filesystem: catalog api', (error as Error).message.slice(0, 400));
  }
  await sleep(2_000); // a worker that cannot start exits within this
  const worker = await containerState('readonly-worker').catch(() => ({ running: false, exitCode: -1 }));
  record(worker.running ? 'PASS' : 'FAIL', 'read-only root filesystem: catalog worker', worker.running ? 'running' : `exited ${worker.exitCode}: ${lastLines(await containerLogs('readonly-worker').catch(() => ''))}`);
  await podman(['rm', '--force', '--time', '0', `${prefix}readonly-api`, `${prefix}readonly-worker`], 60_000);
}

/** Required: the service images run compiled JavaScript, with no TypeScript runner or compiler installed. */
async function noTypeScriptAtRuntime(): Promise<void> {
  const script = [
    "const fs = require('node:fs');",
    "const found = ['tsx', 'esbuild', 'typescript', '@esbuild'].filter((name) => fs.existsSync('/app/node_modules/' + name));",
    "console.log(JSON.stringify({ found, compiled: fs.existsSync('/app/dist/main.cjs') }));",
  ].join(' ');
  for (const name of serviceNames) {
    const { facts, error } = await factsFromImage<{ found: string[]; compiled: boolean }>(imageOf(name), script);
    const ok = facts !== undefined && facts.found.length === 0 && facts.compiled;
    record(ok ? 'PASS' : 'FAIL', `${name} image: compiled JavaScript (dist/main.cjs), no tsx, esbuild or typescript`, facts ? (ok ? 'none installed' : `installed: ${facts.found.join(', ') || '-'}, dist/main.cjs ${facts.compiled ? 'present' : 'missing'}`) : error);
  }
}

/**
 * Start-to-healthy of a fresh catalog API container, as a deploy sees it: from `podman run` to the first 200 from
 * /healthz (polled every 50 ms), then the image's own HEALTHCHECK. Three runs; the median is reported.
 */
async function startToHealthy(postgresPort: number): Promise<void> {
  const times: number[] = [];
  for (let run = 1; run <= 3; run++) {
    const name = `timed-api-${run}`;
    const port = await freePort();
    const started = performance.now();
    try {
      await detached(name, [...serviceEnvironment('catalog', postgresPort), '--env', `PORT=${port}`, imageOf('catalog'), 'api']);
      await waitForHttp(name, `http://127.0.0.1:${port}/healthz`, 60_000, 50);
      times.push(seconds(started));
      if (run === 1) {
        const check = await podman(['healthcheck', 'run', `${prefix}${name}`], 30_000);
        if (check.status !== 0) throw new Error(`unhealthy: ${lastLines(check.stdout + meaningful(check.stderr))}`);
      }
    } finally {
      await podman(['rm', '--force', '--time', '0', `${prefix}${name}`], 60_000);
    }
  }
  const median = [...times].sort((a, b) => a - b)[1]!;
  record('INFO', 'start-to-healthy of the catalog api (podman run to /healthz 200)', `median ${median} s of ${times.join(', ')} s`);
}

async function imageFacts(): Promise<void> {
  const sizes: string[] = [];
  for (const name of [...serviceNames, 'frontend']) {
    const { stdout } = await podman(['image', 'inspect', '--format', '{{.Size}}', imageOf(name)]);
    sizes.push(`${name} ${Math.round(Number(stdout) / 1e6)} MB`);
  }
  const { stdout } = await podman(['run', '--rm', '--network', 'none', '--pull', 'never', '--label', label, '--entrypoint', 'du', imageOf('orders'), '-sm', '/app/node_modules'], 60_000);
  record('INFO', 'image sizes', `${sizes.join(', ')}; node_modules of a service image ${stdout.split('\t')[0]} MB`);
}

async function main(): Promise<void> {
  const started = performance.now();
  mkdirSync(reports, { recursive: true });
  const skipBuild = process.argv.includes('--no-build');
  await removeContainers(); // whatever an interrupted run left
  try {
    await preflight();
    if (skipBuild) log('--no-build: using the images as they are');
    else await buildImages();
    const { postgresPort } = await startHostServices();
    await startServices(postgresPort);
    await startFrontend();
    await placeOrder();
    await stopWorkers();
    await checkCaBundles();
    await readOnlyRootFilesystem(postgresPort);
    await noTypeScriptAtRuntime();
    await startToHealthy(postgresPort);
    await imageFacts();
  } catch (error) {
    record('FAIL', 'rehearsal', (error as Error).message);
  } finally {
    await cleanUp();
  }
  const failed = results.filter(({ status }) => status === 'FAIL');
  console.log('\n==== container rehearsal summary ====');
  for (const { status, name, detail } of results) console.log(`${status.padEnd(4)}  ${name}${detail ? `  (${detail})` : ''}`);
  console.log(`${failed.length === 0 ? 'PASSED' : `FAILED (${failed.length})`} in ${seconds(started)} s; logs in ${path.relative(repo, reports)}/`);
  process.exit(failed.length === 0 ? 0 : 1);
}

void main();
