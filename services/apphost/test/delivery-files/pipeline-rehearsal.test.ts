import { serviceNames } from '@bookstore/kit/platform';
import {
  approveRun,
  checkedOutMachine,
  createWorld,
  disposeWorld,
  githubRunner,
  imageToolbox,
  jenkinsAgent,
  readLog,
  readWorld,
  rehearseJenkinsfile,
  rehearseWorkflow,
  RehearsalFailure,
  runInToolbox,
  type LogEntry,
  type RunRecord,
  type World,
} from '../../../../scripts/pipeline-rehearsal/rehearsal';
import { readRepoFile, repoRoot } from './support';

// The deploy path of both pipelines, run in their real order against fake docker, aws and pulumi commands
// that refuse what the real ones refuse (scripts/pipeline-rehearsal). A fresh account, a re-run of the same
// commit, the prod promotion after the approval; then the same pipelines broken on purpose, which must fail.

const images = [...serviceNames, 'frontend'];
const commit = 'c0ffee0123456789abcdef0123456789abcdef01';
const nextCommit = 'feed0123456789abcdef0123456789abcdef0123';
const jenkinsfile = readRepoFile('Jenkinsfile');
const workflow = readRepoFile('.github/workflows/ci.yml');
const deployScript = readRepoFile('scripts/deploy/deploy.sh');

interface Pipeline {
  name: string;
  run: (world: World, options?: { commit?: string; text?: string; overrides?: Record<string, string> }) => RunRecord;
}

const pipelines: Pipeline[] = [
  {
    name: 'Jenkinsfile, plain Pipeline job',
    run: (world, options = {}) => rehearseJenkinsfile(world, { jenkinsfile: options.text ?? jenkinsfile, repoRoot, commit: options.commit ?? commit, job: 'pipeline', overrides: options.overrides }),
  },
  {
    name: 'Jenkinsfile, multibranch job',
    run: (world, options = {}) => rehearseJenkinsfile(world, { jenkinsfile: options.text ?? jenkinsfile, repoRoot, commit: options.commit ?? commit, job: 'multibranch', overrides: options.overrides }),
  },
  {
    name: '.github/workflows/ci.yml',
    run: (world, options = {}) => rehearseWorkflow(world, { workflow: options.text ?? workflow, repoRoot, commit: options.commit ?? commit, overrides: options.overrides }),
  },
];
const [jenkins, , github] = pipelines as [Pipeline, Pipeline, Pipeline];

const describeCall = (entry: LogEntry) => `${entry.tool} ${entry.args.join(' ')}`;
const firstIndex = (log: LogEntry[], pattern: RegExp) => log.findIndex((entry) => entry.status === 'ok' && pattern.test(describeCall(entry)));
const lastIndex = (log: LogEntry[], pattern: RegExp) => log.findLastIndex((entry) => entry.status === 'ok' && pattern.test(describeCall(entry)));

/** Runs a rehearsal that must fail, and returns what the failing step printed. */
function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof RehearsalFailure) return `${error.where}\n${error.output}`;
    throw error;
  }
  throw new Error('the rehearsal passed, but this pipeline is broken and must fail');
}

/** Replaces `search` once in `text`, failing when it is not there (so a mutation never silently does nothing). */
function mutate(text: string, search: string | RegExp, replacement: string): string {
  const changed = text.replace(search, replacement);
  if (changed === text) throw new Error(`mutation did not apply: ${String(search)}`);
  return changed;
}

let world: World;
beforeEach(() => {
  world = createWorld(images);
});
afterEach(() => disposeWorld(world));

describe.each(pipelines)('$name', (pipeline) => {
  it('deploys a fresh account: registry up, then the pushes, then the main stack; dev, then prod after the approval', () => {
    const record = pipeline.run(world);
    const state = readWorld(world);
    const log = readLog(world);
    for (const stack of ['dev', 'prod']) {
      expect(state.stacks[`bookstore/${stack}`]).toMatchObject({ deployedImageTag: commit, config: { 'bookstore:imageTag': commit } });
      for (const image of images) expect(Object.keys(state.repositories[`bookstore-${stack}/${image}`]!.tags)).toEqual([commit]);
      const registryUp = firstIndex(log, new RegExp(`^pulumi up --cwd infra/registry --stack ${stack}\\b`));
      const firstPush = firstIndex(log, new RegExp(`^docker push \\S+/bookstore-${stack}/`));
      const lastPush = lastIndex(log, new RegExp(`^docker push \\S+/bookstore-${stack}/`));
      const mainUp = firstIndex(log, new RegExp(`^pulumi up --cwd infra --stack ${stack}\\b`));
      const rolloutCheck = firstIndex(log, new RegExp(`^aws ecs describe-services --cluster bookstore-${stack} `));
      expect([registryUp >= 0, registryUp < firstPush, lastPush < mainUp, mainUp < rolloutCheck]).toEqual([true, true, true, true]);
    }
    // Prod runs the very images dev runs: pulled from dev's repositories, same digests.
    for (const image of images) {
      expect(state.repositories[`bookstore-prod/${image}`]!.tags[commit]).toBe(state.repositories[`bookstore-dev/${image}`]!.tags[commit]);
    }
    expect(firstIndex(log, /^docker pull \S+\/bookstore-dev\//)).toBeGreaterThan(lastIndex(log, /^pulumi up --cwd infra --stack dev\b/));
    // The approval comes after the dev deploy and before anything touches prod.
    const approval = record.events.findIndex((event) => event.startsWith('approval'));
    expect(approval).toBeGreaterThan(record.events.findIndex((event) => /deploy\.sh dev|^job deploy-dev/.test(event)));
    expect(approval).toBeLessThan(record.events.findIndex((event) => /deploy\.sh prod|^job deploy-prod/.test(event)));
    // Every pulumi up ran with node (the fake refuses otherwise) and with the backend token and AWS credentials.
    expect(log.filter((entry) => entry.status === 'failed' && entry.tool !== 'aws' && !(entry.tool === 'docker' && entry.args[0] === 'image'))).toEqual([]);
  }, 120_000);

  it('re-runs the same commit: registry and main stack up again, no image pushed twice', () => {
    pipeline.run(world);
    const before = readLog(world).length;
    pipeline.run(world);
    const rerun = readLog(world).slice(before);
    expect(rerun.filter((entry) => entry.tool === 'docker' && entry.args[0] === 'push')).toEqual([]);
    for (const stack of ['dev', 'prod']) {
      expect(firstIndex(rerun, new RegExp(`^pulumi up --cwd infra --stack ${stack}\\b`))).toBeGreaterThanOrEqual(0);
      expect(readWorld(world).stacks[`bookstore/${stack}`]!.updates).toBe(2);
    }
  }, 120_000);

  it('deploys the next commit over the first: new tags pushed beside the old ones', () => {
    pipeline.run(world);
    pipeline.run(world, { commit: nextCommit });
    const state = readWorld(world);
    for (const stack of ['dev', 'prod']) {
      expect(state.stacks[`bookstore/${stack}`]!.deployedImageTag).toBe(nextCommit);
      expect(Object.keys(state.repositories[`bookstore-${stack}/catalog`]!.tags).sort()).toEqual([commit, nextCommit].sort());
    }
  }, 120_000);

  it('fails when the deploy script pushes a tag that is already there (immutable tags): the re-run goes red', () => {
    const overrides = { 'scripts/deploy/deploy.sh': mutate(deployScript, 'if tag_exists "$url" "$IMAGE_TAG"; then', 'if false; then') };
    pipeline.run(world, { overrides });
    expect(failure(() => pipeline.run(world, { overrides }))).toMatch(/tag invalid: The image tag 'c0ffee\w+' already exists in the 'bookstore-dev\/\w+' repository and cannot be overwritten because the repository is immutable/);
  }, 120_000);
});

describe('the Jenkinsfile, broken on purpose', () => {
  it('fails when images are pushed before the registry stack created the repositories (the old Push to ECR stage)', () => {
    const oldPush = `stage('Push to ECR') {
                    when { expression { onMainBranch() } }
                    steps {
                        withCredentials([awsDeployCredentials()]) {
                            sh '''
                                registry="$(aws sts get-caller-identity --query Account --output text).dkr.ecr.$AWS_REGION.amazonaws.com"
                                aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "$registry"
                                docker tag "bookstore/catalog:$IMAGE_TAG" "$registry/bookstore-dev/catalog:$IMAGE_TAG"
                                docker push "$registry/bookstore-dev/catalog:$IMAGE_TAG"
                            '''
                        }
                    }
                }

                stage('Deploy dev') {`;
    const text = mutate(jenkinsfile, "stage('Deploy dev') {", oldPush);
    expect(failure(() => jenkins.run(world, { text }))).toMatch(/Push to ECR[\s\S]*name unknown: The repository with name 'bookstore-dev\/catalog' does not exist/);
  }, 120_000);

  it('fails when pulumi up runs on the agent itself, which has no Node.js', () => {
    let text = mutate(jenkinsfile, /(stage\('Deploy dev'\) \{[\s\S]*?)agent \{\s*docker \{[\s\S]*?reuseNode true\s*\}\s*\}/, '$1');
    text = mutate(text, "sh 'fnm exec --using=24 -- bash scripts/deploy/deploy.sh dev'", "sh 'bash scripts/deploy/deploy.sh dev'");
    expect(failure(() => jenkins.run(world, { text }))).toMatch(/Deploy dev: exit 1 in agent label 'docker'[\s\S]*node is not on PATH/);
  }, 120_000);

  it('fails when prod is deployed without the approval', () => {
    const text = mutate(jenkinsfile, /input \{\s*message '[^']+'\s*ok '[^']+'\s*\}/, '');
    expect(failure(() => jenkins.run(world, { text }))).toMatch(/Deploy prod[\s\S]*`pulumi up` of bookstore-registry\/prod before the run's approval/);
  }, 120_000);

  it('fails when the approval waits on an agent (the whole pipeline on one agent holds its executor for days)', () => {
    const text = mutate(jenkinsfile, /^( {4})agent none$/m, "$1agent { label 'docker' }");
    expect(failure(() => jenkins.run(world, { text }))).toMatch(/Approve prod[\s\S]*the approval waits while holding an executor/);
  }, 120_000);

  it("never deploys from a plain Pipeline job with `when { branch 'main' }` (it only matches in multibranch jobs)", () => {
    const text = jenkinsfile.replaceAll('expression { onMainBranch() }', "branch 'main'");
    expect(text).not.toBe(jenkinsfile);
    const record = jenkins.run(world, { text });
    expect(record.events).toEqual(expect.arrayContaining(['skipped Deploy dev', 'skipped Approve prod', 'skipped Deploy prod']));
    expect(readWorld(world).stacks['bookstore/dev']).toBeUndefined();
  }, 120_000);
});

describe('the GitHub workflow, broken on purpose', () => {
  it('fails when the images job pushes before the registry stack created the repositories (the old design)', () => {
    let text = mutate(workflow, /(  images:\n    needs: test\n)/, '$1    permissions:\n      contents: read\n      id-token: write\n');
    text = mutate(
      text,
      '      - name: Save the image\n',
      `      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: \${{ vars.AWS_DEPLOY_ROLE_ARN }}
          aws-region: \${{ env.AWS_REGION }}
      - name: Push to ECR (dev)
        env:
          IMAGE: \${{ matrix.image }}
        run: |
          registry="$(aws sts get-caller-identity --query Account --output text).dkr.ecr.$AWS_REGION.amazonaws.com"
          aws ecr get-login-password | docker login --username AWS --password-stdin "$registry"
          docker tag "bookstore/$IMAGE:$IMAGE_TAG" "$registry/bookstore-dev/$IMAGE:$IMAGE_TAG"
          docker push "$registry/bookstore-dev/$IMAGE:$IMAGE_TAG"
      - name: Save the image\n`,
    );
    expect(failure(() => github.run(world, { text }))).toMatch(/Push to ECR \(dev\)[\s\S]*name unknown: The repository with name 'bookstore-dev\/catalog' does not exist/);
  }, 120_000);

  it('fails when the stack is configured before it exists (the old `pulumi config set --stack dev`)', () => {
    const text = mutate(
      workflow,
      '        run: bash scripts/deploy/deploy.sh dev\n',
      '        working-directory: infra\n        run: |\n          pulumi config set bookstore:imageTag "$IMAGE_TAG" --stack dev\n          pulumi up --stack dev --yes\n',
    );
    expect(failure(() => github.run(world, { text }))).toMatch(/deploy-dev[\s\S]*error: no stack named 'dev' found/);
  }, 120_000);

  it('fails when the prod job is not behind the production environment (no approval)', () => {
    const text = mutate(workflow, '    environment: production\n', '');
    expect(failure(() => github.run(world, { text }))).toMatch(/deploy-prod[\s\S]*before the run's approval/);
  }, 120_000);
});

describe('the fakes refuse what the real tools refuse', () => {
  const credentials = { AWS_ACCESS_KEY_ID: 'AKIAREHEARSAL', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'eu-west-1', PULUMI_ACCESS_TOKEN: 'token', IMAGE_TAG: commit };
  const registry = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
  const login = `aws ecr get-login-password | docker login --username AWS --password-stdin ${registry}`;
  const run = (machine: ReturnType<typeof checkedOutMachine>, script: string, toolbox = githubRunner()) => runInToolbox(world, machine, { ...toolbox, tools: [...toolbox.tools, 'pulumi'] }, script, credentials);
  const fails = (machine: ReturnType<typeof checkedOutMachine>, script: string, toolbox = githubRunner()) => failure(() => run(machine, script, toolbox));

  it('docker: no push into a repository that does not exist, of an image never built, or over an existing tag', () => {
    const machine = checkedOutMachine(world, repoRoot);
    run(machine, `docker build -t bookstore/catalog:${commit} . && ${login}`);
    expect(fails(machine, `docker tag bookstore/catalog:${commit} ${registry}/bookstore-dev/catalog:${commit} && docker push ${registry}/bookstore-dev/catalog:${commit}`)).toMatch(/repository with name 'bookstore-dev\/catalog' does not exist/);
    run(machine, 'npm ci && pulumi stack select dev --create --cwd infra/registry && pulumi up --yes --cwd infra/registry');
    expect(fails(machine, `docker push ${registry}/bookstore-dev/orders:${commit}`)).toMatch(/does not exist locally/);
    run(machine, `docker push ${registry}/bookstore-dev/catalog:${commit}`);
    expect(fails(machine, `docker push ${registry}/bookstore-dev/catalog:${commit}`)).toMatch(/already exists .* immutable/);
    expect(fails(machine, 'docker image inspect x', imageToolbox('pulumi/pulumi:1.0.0', '-u root:root'))).toMatch(/Cannot connect to the Docker daemon/);
  });

  it('aws ecr describe-images answers from the fake registry, and needs credentials', () => {
    const machine = checkedOutMachine(world, repoRoot);
    const describe = (repository: string) => `aws ecr describe-images --repository-name ${repository} --image-ids imageTag=${commit}`;
    expect(fails(machine, describe('bookstore-dev/catalog'))).toMatch(/RepositoryNotFoundException/);
    run(machine, 'npm ci && pulumi stack select dev --create --cwd infra/registry && pulumi up --yes --cwd infra/registry');
    expect(fails(machine, describe('bookstore-dev/catalog'))).toMatch(/ImageNotFoundException/);
    run(machine, `docker build -t x:1 . && docker tag x:1 ${registry}/bookstore-dev/catalog:${commit} && ${login} && docker push ${registry}/bookstore-dev/catalog:${commit}`);
    expect(JSON.parse(run(machine, describe('bookstore-dev/catalog'))).imageDetails[0].imageTags).toEqual([commit]);
    expect(failure(() => runInToolbox(world, machine, githubRunner(), describe('bookstore-dev/catalog'), { AWS_REGION: 'eu-west-1' }))).toMatch(/Unable to locate credentials/);
  });

  it('pulumi: no config or up on a stack that does not exist, no up without node or the SDK, imageTag or the image', () => {
    const machine = checkedOutMachine(world, repoRoot);
    expect(fails(machine, 'pulumi config set bookstore:imageTag x --stack dev --cwd infra')).toMatch(/no stack named 'dev' found/);
    expect(fails(machine, 'pulumi up --stack dev --yes --cwd infra')).toMatch(/no stack named 'dev' found/);
    run(machine, 'pulumi stack select dev --create --cwd infra');
    expect(fails(machine, 'pulumi up --stack dev --yes --cwd infra')).toMatch(/Pulumi SDK has not been installed/);
    run(machine, 'npm ci');
    expect(fails(machine, 'pulumi up --stack dev --cwd infra')).toMatch(/--yes or --skip-preview must be passed/);
    expect(fails(machine, 'pulumi up --stack dev --yes --cwd infra', jenkinsAgent())).toMatch(/"node": executable file not found/);
    expect(fails(machine, 'pulumi up --stack dev --yes --cwd infra')).toMatch(/bookstore:imageTag/);
    expect(fails(machine, `pulumi up --stack dev --yes --cwd infra --config bookstore:imageTag=${commit}`)).toMatch(/repository bookstore-dev\/catalog does not exist/);
    run(machine, 'pulumi stack select dev --create --cwd infra/registry && pulumi up --yes --cwd infra/registry');
    expect(fails(machine, `pulumi up --stack dev --yes --cwd infra --config bookstore:imageTag=${commit}`)).toMatch(/the image bookstore-dev\/catalog:c0ffee\w+ does not exist in ECR/);
  });

  it('pulumi and docker: nothing touches prod before the run is approved', () => {
    const machine = checkedOutMachine(world, repoRoot);
    run(machine, 'npm ci && pulumi stack select prod --create --cwd infra/registry');
    expect(fails(machine, 'pulumi up --stack prod --yes --cwd infra/registry')).toMatch(/before the run's approval/);
    approveRun(world);
    run(machine, 'pulumi up --stack prod --yes --cwd infra/registry');
    expect(Object.keys(readWorld(world).repositories)).toEqual(images.map((image) => `bookstore-prod/${image}`));
  });
});
