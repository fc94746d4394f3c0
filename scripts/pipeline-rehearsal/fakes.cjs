#!/usr/bin/env node
// Fake `docker`, `aws`, `pulumi`, `npm`, `fnm` and `git` for the pipeline rehearsal (rehearsal.ts). Each call
// is logged, and each fake enforces what the real tool needs, against a shared fake AWS account and Pulumi
// backend (the "world", $REHEARSAL_WORLD) and the state of the machine it runs on (local images, selected
// stacks: $REHEARSAL_HOST). What they enforce, and where the real behaviour is documented:
//   docker push   the repository must exist (ECR creates none on push), the registry login must have happened,
//                 the image must have been built or tagged locally, and the tag must be new: the repositories
//                 have immutable tags (ECR: ImageTagAlreadyExistsException). A push into a prod repository
//                 needs the run's approval.
//   docker *      a daemon must be reachable (on the agent itself, or a container with the socket mounted).
//   aws ecr       credentials and a region are required; describe-images answers from the fake registry:
//                 RepositoryNotFoundException / ImageNotFoundException like the real API.
//   pulumi        needs a backend login (PULUMI_ACCESS_TOKEN); a Pulumi.yaml in the working directory;
//                 `--stack S` and `config set --stack S` fail while S does not exist ("no stack named 'S' found",
//                 the non-interactive CLI offers no creation); `stack select S --create` creates it; `up` needs
//                 --yes (non-interactive), `node` on PATH and the installed @pulumi/pulumi (a nodejs program);
//                 the registry project creates the repositories; the main project needs bookstore:imageTag and
//                 finds each image with that tag in ECR (the program looks them up at preview); any prod update
//                 needs the run's approval.
//   npm ci        needs node; it installs node_modules (a marker @pulumi/pulumi) in the working directory.
//   fnm exec      runs a command with one of the Node versions the image ships.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const crypto = require('node:crypto');
const { spawnSync } = require('node:child_process');

const ACCOUNT = '123456789012';
const ECR_PASSWORD = 'rehearsal-ecr-password';

const tool = process.argv[2];
const args = process.argv.slice(3);

class Failure extends Error {
  constructor(message, status = 1) {
    super(message);
    this.status = status;
  }
}

const readJson = (file, fallback) => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : fallback);
/** Written aside and renamed: a fake running at the same time (both ends of a pipe) reads the old or the new state. */
const writeJson = (file, value) => {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(temporary, file);
};
const worldFile = process.env.REHEARSAL_WORLD;
const hostFile = process.env.REHEARSAL_HOST;
if (!worldFile || !hostFile) {
  process.stderr.write(`rehearsal fake ${tool}: REHEARSAL_WORLD and REHEARSAL_HOST must be set\n`);
  process.exit(2);
}
const world = readJson(worldFile, {});
world.repositories ??= {};
world.stacks ??= {};
world.approved ??= false;
const host = readJson(hostFile, {});
host.images ??= {};
host.selected ??= {};
host.npmInstalled ??= [];
// Saved only when changed, so that a fake that only read (aws, in `aws ... | docker login`) never overwrites
// what the other end of the pipe wrote.
const loaded = { world: JSON.stringify(world), host: JSON.stringify(host) };
const save = () => {
  if (JSON.stringify(world) !== loaded.world) writeJson(worldFile, world);
  if (JSON.stringify(host) !== loaded.host) writeJson(hostFile, host);
};

function log(status, message) {
  if (!process.env.REHEARSAL_LOG) return;
  const entry = { step: process.env.REHEARSAL_STEP ?? '', environment: process.env.REHEARSAL_ENVIRONMENT ?? '', tool, args, cwd: process.cwd(), status, message };
  fs.appendFileSync(process.env.REHEARSAL_LOG, `${JSON.stringify(entry)}\n`);
}

const out = (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

/** Whether an executable `name` is on this process's PATH. */
function onPath(name) {
  return (process.env.PATH ?? '').split(':').some((dir) => {
    try {
      fs.accessSync(path.join(dir, name), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Flags: --name value, --name=value, -n value; `booleans` take no value. Returns { flags, positional }. */
function parseArgs(list, { booleans = [], aliases = {}, repeated = [] } = {}) {
  const flags = {};
  const positional = [];
  for (let index = 0; index < list.length; index++) {
    let arg = list[index];
    if (arg === '--') {
      positional.push(...list.slice(index + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    let value;
    if (arg.includes('=')) [arg, value] = [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)];
    const name = aliases[arg] ?? arg.replace(/^-+/, '');
    if (booleans.includes(name)) {
      flags[name] = value === undefined ? true : value !== 'false';
      continue;
    }
    if (value === undefined) {
      value = list[++index];
      if (value === undefined) throw new Failure(`flag needs an argument: ${arg}`);
    }
    if (repeated.includes(name)) (flags[name] ??= []).push(value);
    else flags[name] = value;
  }
  return { flags, positional };
}

// ---------------------------------------------------------------- ECR

const registryHost = (region) => `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com`;

/** host/repository:tag -> { host, repository, tag } (a name without a registry host is a local-only name). */
function parseReference(reference) {
  const slash = reference.indexOf('/');
  const first = slash < 0 ? '' : reference.slice(0, slash);
  const hasHost = first.includes('.') || first.includes(':') || first === 'localhost';
  const rest = hasHost ? reference.slice(slash + 1) : reference;
  const colon = rest.lastIndexOf(':');
  return { host: hasHost ? first : undefined, repository: colon < 0 ? rest : rest.slice(0, colon), tag: colon < 0 ? 'latest' : rest.slice(colon + 1) };
}

function ecrRepository(host, repository) {
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$/.exec(host ?? '');
  if (!match) throw new Failure(`rehearsal: ${host}/${repository} is not an ECR registry of the rehearsal account`);
  const found = world.repositories[repository];
  if (!found || found.region !== match[2]) {
    throw new Failure(`name unknown: The repository with name '${repository}' does not exist in the registry with id '${match[1]}'`);
  }
  return found;
}

// ---------------------------------------------------------------- docker

function dockerConfigFile() {
  const dir = process.env.DOCKER_CONFIG || path.join(process.env.HOME ?? '/nonexistent', '.docker');
  return path.join(dir, 'config.json');
}

function requireLogin(host) {
  const auths = readJson(dockerConfigFile(), {}).auths ?? {};
  if (!auths[host]) throw new Failure(`no basic auth credentials (docker is not logged in to ${host})`);
}

function docker() {
  if (args[0] === '--version' || (args[0] === 'version' && args.includes('--format'))) return out('Docker version 27.0.0 (rehearsal fake)');
  if (process.env.REHEARSAL_DOCKER_DAEMON !== '1') {
    throw new Failure('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?');
  }
  let [command, ...rest] = args;
  if (command === 'image' || command === 'container') [command, ...rest] = [`${command} ${rest[0]}`, ...rest.slice(1)];
  switch (command) {
    case 'build': {
      const { flags, positional } = parseArgs(rest, { aliases: { '-t': 'tag', '-f': 'file' }, repeated: ['tag', 'build-arg'], booleans: ['pull', 'no-cache', 'q', 'quiet'] });
      if (positional.length !== 1) throw new Failure(`docker build needs exactly one context, got ${JSON.stringify(positional)}`);
      if (!flags.tag?.length) throw new Failure('rehearsal: docker build without -t leaves an image nobody can push');
      const id = `sha256:${crypto.createHash('sha256').update(JSON.stringify([flags, positional, process.env.IMAGE_TAG])).digest('hex')}`;
      for (const tag of flags.tag) host.images[tag.includes(':') ? tag : `${tag}:latest`] = id;
      return out(`Successfully built ${id.slice(7, 19)}`);
    }
    case 'tag': {
      const [source, target] = rest;
      const id = host.images[source];
      if (!id) throw new Failure(`Error response from daemon: No such image: ${source}`);
      host.images[target] = id;
      return undefined;
    }
    case 'push': {
      const reference = rest.find((arg) => !arg.startsWith('-'));
      const id = host.images[reference];
      if (!id) throw new Failure(`An image does not exist locally with the tag: ${reference}`);
      const { host: registry, repository, tag } = parseReference(reference);
      requireLogin(registry);
      const repo = ecrRepository(registry, repository);
      if (/^bookstore-prod\//.test(repository) && !world.approved) throw new Failure(`rehearsal: pushing into ${repository} (prod) before the run's approval`);
      if (repo.tags[tag]) {
        throw new Failure(`tag invalid: The image tag '${tag}' already exists in the '${repository}' repository and cannot be overwritten because the repository is immutable.`);
      }
      repo.tags[tag] = id;
      return out(`${tag}: digest: ${id} size: 1234`);
    }
    case 'pull': {
      const reference = rest.find((arg) => !arg.startsWith('-'));
      const { host: registry, repository, tag } = parseReference(reference);
      requireLogin(registry);
      const repo = ecrRepository(registry, repository);
      if (!repo.tags[tag]) throw new Failure(`Error response from daemon: manifest for ${reference} not found: manifest unknown: Requested image not found`);
      host.images[reference] = repo.tags[tag];
      return out(`Status: Downloaded newer image for ${reference}`);
    }
    case 'login': {
      const { flags, positional } = parseArgs(rest, { aliases: { '-u': 'username', '-p': 'password' }, booleans: ['password-stdin'] });
      const password = flags['password-stdin'] ? fs.readFileSync(0, 'utf8').trim() : flags.password;
      const server = positional[0];
      if (flags.username !== 'AWS' || password !== ECR_PASSWORD) throw new Failure(`Error response from daemon: login attempt to https://${server}/v2/ failed with status: 400 Bad Request`);
      if (!/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$/.test(server ?? '')) throw new Failure(`rehearsal: ${server} is not an ECR registry`);
      const file = dockerConfigFile();
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const config = readJson(file, {});
      config.auths = { ...(config.auths ?? {}), [server]: { auth: Buffer.from(`AWS:${password}`).toString('base64') } };
      writeJson(file, config);
      return out('Login Succeeded');
    }
    case 'save': {
      const { flags, positional } = parseArgs(rest, { aliases: { '-o': 'output' } });
      const images = {};
      for (const reference of positional) {
        if (!host.images[reference]) throw new Failure(`Error response from daemon: reference does not exist: ${reference}`);
        images[reference] = host.images[reference];
      }
      const archive = JSON.stringify({ rehearsalDockerSave: images });
      if (flags.output) fs.writeFileSync(flags.output, archive);
      else process.stdout.write(archive);
      return undefined;
    }
    case 'load': {
      const { flags } = parseArgs(rest, { aliases: { '-i': 'input' }, booleans: ['q', 'quiet'] });
      let data = flags.input ? fs.readFileSync(flags.input) : fs.readFileSync(0);
      if (data[0] === 0x1f && data[1] === 0x8b) data = zlib.gunzipSync(data);
      let images;
      try {
        images = JSON.parse(data.toString('utf8')).rehearsalDockerSave;
      } catch {
        images = undefined;
      }
      if (!images) throw new Failure('open /var/lib/docker/tmp/docker-import: invalid tar header (not an image archive)');
      for (const [reference, id] of Object.entries(images)) {
        host.images[reference] = id;
        out(`Loaded image: ${reference}`);
      }
      return undefined;
    }
    case 'inspect':
    case 'image inspect': {
      const missing = rest.filter((arg) => !arg.startsWith('-') && !host.images[arg]);
      if (missing.length > 0) throw new Failure(`Error: No such image: ${missing[0]}`);
      return out(JSON.stringify(rest.filter((arg) => !arg.startsWith('-')).map((reference) => ({ Id: host.images[reference], RepoTags: [reference] }))));
    }
    case 'rmi':
    case 'image rm':
      for (const reference of rest.filter((arg) => !arg.startsWith('-'))) delete host.images[reference];
      return undefined;
    default:
      throw new Failure(`rehearsal: docker ${command} is not modelled (add it to scripts/pipeline-rehearsal/fakes.cjs if a pipeline needs it)`, 2);
  }
}

// ---------------------------------------------------------------- aws

function aws() {
  const { flags, positional } = parseArgs(args, { booleans: ['no-cli-pager', 'debug'] });
  if (!process.env.AWS_ACCESS_KEY_ID || !process.env.AWS_SECRET_ACCESS_KEY) throw new Failure('Unable to locate credentials. You can configure credentials by running "aws configure".', 253);
  const region = flags.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new Failure('You must specify a region. You can also configure your region by running "aws configure".', 253);
  const [service, operation] = positional;
  const apiError = (code, op, message) => new Failure(`\nAn error occurred (${code}) when calling the ${op} operation: ${message}`, 254);
  if (service === 'sts' && operation === 'get-caller-identity') {
    return out(flags.query === 'Account' ? ACCOUNT : JSON.stringify({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:role/rehearsal` }));
  }
  if (service === 'ecr' && operation === 'get-login-password') return out(ECR_PASSWORD);
  if (service === 'ecr' && operation === 'describe-images') {
    const name = flags['repository-name'];
    const repo = world.repositories[name];
    if (!repo || repo.region !== region) {
      throw apiError('RepositoryNotFoundException', 'DescribeImages', `The repository with name '${name}' does not exist in the registry with id '${ACCOUNT}'`);
    }
    const tag = /^imageTag=(.+)$/.exec(flags['image-ids'] ?? '')?.[1];
    if (!tag) throw new Failure('rehearsal: describe-images is modelled only with --image-ids imageTag=<tag>', 2);
    if (!repo.tags[tag]) {
      throw apiError('ImageNotFoundException', 'DescribeImages', `The image with imageId {imageDigest:'null', imageTag:'${tag}'} does not exist within the repository with name '${name}' in the registry with id '${ACCOUNT}'`);
    }
    return out(JSON.stringify({ imageDetails: [{ registryId: ACCOUNT, repositoryName: name, imageDigest: repo.tags[tag], imageTags: [tag] }] }));
  }
  if (service === 'ecs' && operation === 'describe-services') {
    // Every service the last `pulumi up` rolled out runs its task definition, COMPLETED.
    const names = args.slice(args.indexOf('--services') + 1).filter((arg, index, list) => !arg.startsWith('--') && !list.slice(0, index).some((earlier) => earlier.startsWith('--')));
    const cluster = (world.ecs ?? {})[flags.cluster];
    if (!cluster || cluster.region !== region) throw apiError('ClusterNotFoundException', 'DescribeServices', 'Cluster not found.');
    const services = names.filter((name) => cluster.services[name]).map((name) => ({
      serviceName: name,
      deployments: [{ status: 'PRIMARY', taskDefinition: cluster.services[name].taskDefinition, rolloutState: 'COMPLETED', runningCount: 1, desiredCount: 1 }],
      events: [],
    }));
    return out(JSON.stringify({ services, failures: names.filter((name) => !cluster.services[name]).map((name) => ({ arn: name, reason: 'MISSING' })) }));
  }
  throw new Failure(`rehearsal: aws ${positional.join(' ')} is not modelled`, 2);
}

// ---------------------------------------------------------------- pulumi

function projectAt(dir) {
  const file = path.join(dir, 'Pulumi.yaml');
  if (!fs.existsSync(file)) throw new Failure(`no Pulumi.yaml project file found (searching upwards from ${dir}). If you have not created a project yet, use \`pulumi new\` to do so`);
  const text = fs.readFileSync(file, 'utf8');
  return { dir, name: /^name:\s*(\S+)/m.exec(text)?.[1], runtime: /^runtime:[ \t]*(?:\n[ \t]+name:[ \t]*)?(\w+)/m.exec(text)?.[1] };
}

/** A stack's settings from Pulumi.<stack>.yaml (only flat `key: value` lines). */
function stackFileConfig(project, stack) {
  const file = path.join(project.dir, `Pulumi.${stack}.yaml`);
  const config = {};
  if (!fs.existsSync(file)) return config;
  for (const match of fs.readFileSync(file, 'utf8').matchAll(/^\s+([\w-]+:[\w-]+):\s*"?([^"\n]*)"?\s*$/gm)) config[match[1]] = match[2];
  return config;
}

function pulumi() {
  // `-c` is --create for `stack select` and --config for `up`.
  const select = args.includes('select');
  const { flags, positional } = parseArgs(args.map((arg) => (arg === '-c' ? (select ? '--create' : '--config') : arg)), {
    aliases: { '-C': 'cwd', '-s': 'stack', '-y': 'yes', '-j': 'json', '-f': 'skip-preview' },
    booleans: ['yes', 'non-interactive', 'json', 'skip-preview', 'create', 'show-secrets', 'diff', 'refresh', 'suppress-outputs', 'suppress-progress'],
    repeated: ['config'],
  });
  if (positional[0] === 'version') return out('v3.248.0 (rehearsal fake)');
  if (!process.env.PULUMI_ACCESS_TOKEN && !process.env.PULUMI_BACKEND_URL) {
    throw new Failure('error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions');
  }
  const project = projectAt(path.resolve(flags.cwd ?? '.'));
  const key = (stack) => `${project.name}/${stack}`;
  const exists = (stack) => Boolean(world.stacks[key(stack)]);
  const create = (stack) => {
    world.stacks[key(stack)] = { config: {}, outputs: {}, updates: 0 };
  };
  /** --stack must exist; otherwise the selected stack. */
  const resolveStack = () => {
    if (flags.stack) {
      if (!exists(flags.stack)) throw new Failure(`error: no stack named '${flags.stack}' found`);
      return flags.stack;
    }
    const selected = host.selected[project.dir];
    if (!selected || !exists(selected)) throw new Failure('error: no stack selected; please use `pulumi stack select` to choose one');
    return selected;
  };
  const [command, sub, ...rest] = positional;
  if (command === 'login') return out('Logged in (rehearsal fake)');
  if (command === 'stack' && sub === 'select') {
    const name = rest[0] ?? flags.stack;
    const wantsCreate = flags.create;
    if (!name) throw new Failure('error: no stack name given (the non-interactive CLI cannot prompt)');
    if (!exists(name)) {
      if (!wantsCreate) throw new Failure(`error: no stack named '${name}' found`);
      create(name);
      out(`Created stack '${name}'`);
    }
    host.selected[project.dir] = name;
    return undefined;
  }
  if (command === 'stack' && sub === 'init') {
    const name = rest[0] ?? flags.stack;
    if (exists(name)) throw new Failure(`error: stack '${name}' already exists`);
    create(name);
    host.selected[project.dir] = name;
    return out(`Created stack '${name}'`);
  }
  if (command === 'config' && (sub === 'set' || sub === 'get')) {
    const stack = resolveStack();
    const [name, value] = rest;
    if (sub === 'get') {
      const config = { ...stackFileConfig(project, stack), ...world.stacks[key(stack)].config };
      if (config[name] === undefined) throw new Failure(`error: configuration key '${name}' not found for stack '${stack}'`);
      return out(config[name]);
    }
    world.stacks[key(stack)].config[name] = value;
    return undefined;
  }
  if (command === 'stack' && sub === 'output') {
    const stack = resolveStack();
    const outputs = world.stacks[key(stack)].outputs;
    const name = rest[0];
    if (!(name in outputs)) throw new Failure(`error: current stack does not have output property '${name}'`);
    return out(flags.json || typeof outputs[name] !== 'string' ? JSON.stringify(outputs[name], null, 2) : outputs[name]);
  }
  if (command === 'up' || command === 'update' || command === 'preview') {
    const stack = resolveStack();
    if (command !== 'preview' && !flags.yes && !flags['skip-preview']) {
      throw new Failure('error: --yes or --skip-preview must be passed in to proceed when running in non-interactive mode');
    }
    if (project.runtime === 'nodejs') {
      if (!onPath('node')) throw new Failure('error: failed to run the nodejs program: exec: "node": executable file not found in $PATH');
      let dir = project.dir;
      let sdk = false;
      for (;;) {
        if (fs.existsSync(path.join(dir, 'node_modules/@pulumi/pulumi/package.json'))) sdk = true;
        if (sdk || path.dirname(dir) === dir) break;
        dir = path.dirname(dir);
      }
      if (!sdk) throw new Failure("error: It looks like the Pulumi SDK has not been installed. Have you run npm install or yarn install?");
    }
    const state = world.stacks[key(stack)];
    for (const pair of flags.config ?? []) {
      const at = pair.indexOf('=');
      if (at < 0) throw new Failure(`error: could not parse config ${pair}: expected key=value`);
      state.config[pair.slice(0, at)] = pair.slice(at + 1); // "Config to use during the update and save to the stack config file"
    }
    const config = { ...stackFileConfig(project, stack), ...state.config };
    const environment = config['bookstore:environment'] ?? stack;
    const region = config['aws:region'];
    if (!region) throw new Failure(`error: aws:region is not set for stack ${stack}`);
    if (stack === 'prod' && !world.approved) throw new Failure(`rehearsal: \`pulumi up\` of ${key(stack)} before the run's approval`);
    if (command === 'preview') return out('Previewing update (rehearsal fake)');
    const images = (process.env.REHEARSAL_IMAGES ?? '').split(',').filter(Boolean);
    if (project.name === 'bookstore-registry') {
      const urls = {};
      for (const image of images) {
        const name = `bookstore-${environment}/${image}`;
        world.repositories[name] ??= { region, tags: {} };
        urls[image] = `${registryHost(region)}/${name}`;
      }
      state.outputs = { repositoryUrls: urls };
    } else if (project.name === 'bookstore') {
      const tag = config['bookstore:imageTag'];
      if (!tag) throw new Failure('error: Missing required configuration variable \'bookstore:imageTag\' (bookstore:imageTag is not set)');
      for (const image of images) {
        const name = `bookstore-${environment}/${image}`;
        const repo = world.repositories[name];
        if (!repo || repo.region !== region) throw new Failure(`error: aws:ecr/getImage:getImage: the repository ${name} does not exist (preview looks every image up)`);
        if (!repo.tags[tag]) throw new Failure(`error: aws:ecr/getImage:getImage: the image ${name}:${tag} does not exist in ECR (push it before \`pulumi up\`)`);
      }
      // ECS rolls the services out to the new task definitions (infra/scripts/verify-rollout.mjs checks it).
      const cluster = `bookstore-${environment}`;
      const taskDefinitions = Object.fromEntries(images.map((image) => [`bookstore-${environment}-${image}`, `arn:aws:ecs:${region}:${ACCOUNT}:task-definition/bookstore-${environment}-${image}:${state.updates + 1}`]));
      world.ecs ??= {};
      world.ecs[cluster] = { region, services: Object.fromEntries(Object.entries(taskDefinitions).map(([name, taskDefinition]) => [name, { taskDefinition }])) };
      state.outputs = { imageTag: tag, rollout: { cluster, taskDefinitions } };
      state.deployedImageTag = tag;
    } else {
      throw new Failure(`rehearsal: project ${project.name} is not modelled`, 2);
    }
    state.updates += 1;
    return out(`Update of ${key(stack)} succeeded (rehearsal fake)`);
  }
  throw new Failure(`rehearsal: pulumi ${positional.join(' ')} is not modelled`, 2);
}

// ---------------------------------------------------------------- npm, fnm, git

function npm() {
  if (!onPath('node')) throw new Failure("/usr/bin/env: 'node': No such file or directory", 127);
  const [command] = args;
  if (command === 'ci' || command === 'install' || command === 'i') {
    const marker = path.resolve('node_modules/@pulumi/pulumi/package.json');
    fs.mkdirSync(path.dirname(marker), { recursive: true });
    fs.writeFileSync(marker, '{"name":"@pulumi/pulumi","version":"rehearsal"}\n');
    host.npmInstalled.push(process.cwd());
    return out(`added 1 package (rehearsal fake npm ${command})`);
  }
  throw new Failure(`rehearsal: npm ${args.join(' ')} is not modelled`, 2);
}

function fnm() {
  const { flags, positional } = parseArgs(args, {});
  if (positional[0] !== 'exec' || !flags.using || positional.length < 2) throw new Failure(`rehearsal: fnm ${args.join(' ')} is not modelled (only fnm exec --using=<version> <command>)`, 2);
  const versions = (process.env.REHEARSAL_FNM_VERSIONS ?? '').split(',').filter(Boolean);
  if (!versions.includes(String(flags.using).replace(/^v/, '').split('.')[0])) throw new Failure(`error: Requested version ${flags.using} is not currently installed`);
  log('exec', `node ${flags.using}`);
  const result = spawnSync(positional[1], positional.slice(2), { stdio: 'inherit', env: { ...process.env, REHEARSAL_NODE_MAJOR: String(flags.using) } });
  if (result.error) throw new Failure(`error: ${result.error.message}`, 127);
  process.exit(result.status ?? 1);
}

function git() {
  if (args[0] === 'rev-parse' && args[1] === 'HEAD') return out(process.env.REHEARSAL_COMMIT ?? '0'.repeat(40));
  throw new Failure(`rehearsal: git ${args.join(' ')} is not modelled`, 2);
}

// ----------------------------------------------------------------

const fakes = { docker, aws, pulumi, npm, fnm, git };
try {
  if (!fakes[tool]) throw new Failure(`rehearsal: no fake for ${tool}`, 2);
  if (tool === 'fnm') {
    save();
    fnm();
  }
  fakes[tool]();
  save();
  log('ok');
} catch (error) {
  if (!(error instanceof Failure)) throw error;
  log('failed', error.message);
  process.stderr.write(`${error.message}\n`);
  process.exit(error.status);
}
