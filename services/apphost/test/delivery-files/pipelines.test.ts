import { serviceNames } from '@bookstore/kit/platform';
import { readRepoFile, readYaml, runNpx } from './support';

const images = [...serviceNames, 'frontend'];
const pulumiPin = readRepoFile('scripts/deploy/pulumi-version').trim();

/** The test command README.md gives (```sh block: `npm test   # unit and integration tests ...`). */
function readmeTestCommand(): string {
  const readme = readRepoFile('README.md');
  const commands = [...readme.matchAll(/^(npm (?:run )?test)\b[^\n]*#/gm)].map((match) => match[1]!);
  if (commands.length === 0) throw new Error('README.md names no test command (a line `npm test   # ...` in a sh block)');
  return commands[0]!;
}

const version = (text: string) => text.split('.').map(Number);
const atLeast = (actual: string, wanted: string) => {
  const [a, b] = [version(actual), version(wanted)];
  for (let index = 0; index < 3; index++) if ((a[index] ?? 0) !== (b[index] ?? 0)) return (a[index] ?? 0) > (b[index] ?? 0);
  return true;
};

describe('the deploy script both pipelines call', () => {
  it('pins a Pulumi CLI at least as new as the @pulumi/pulumi SDK in the lockfile', () => {
    const lock = JSON.parse(readRepoFile('package-lock.json')) as { packages: Record<string, { version?: string }> };
    const sdk = lock.packages['node_modules/@pulumi/pulumi']!.version!;
    expect(pulumiPin).toMatch(/^\d+\.\d+\.\d+$/);
    expect([pulumiPin, atLeast(pulumiPin, sdk)]).toEqual([pulumiPin, true]);
  });

  it('runs registry up, the pushes (skipping tags already in ECR), the main stack up and the rollout check, in that order', () => {
    const script = readRepoFile('scripts/deploy/deploy.sh');
    const order = ['pulumi_up infra/registry "$stack"', 'tag_exists "$url" "$IMAGE_TAG"', 'docker push "$url:$IMAGE_TAG"', 'pulumi_up infra "$stack" --config "bookstore:imageTag=$IMAGE_TAG"', 'node infra/scripts/verify-rollout.mjs "$stack"'];
    const positions = order.map((text) => script.indexOf(text));
    expect(positions.every((position) => position > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // Stacks are created before anything names them with --stack (which fails while they do not exist).
    expect(script).toContain('pulumi stack select "$target" --create');
    expect(script.replace(/^\s*#.*$/gm, '')).not.toMatch(/pulumi config set/);
  });
});

describe('Jenkinsfile', () => {
  const jenkinsfile = readRepoFile('Jenkinsfile');
  const pipelineBlock = jenkinsfile.slice(jenkinsfile.search(/^pipeline \{$/m));
  const stageNames = [...jenkinsfile.matchAll(/stage\('([^']+)'\)/g)].map((match) => match[1]!);
  /** The body of `stage('<name>') { ... }`, up to its closing brace. */
  const stage = (name: string): string => {
    const start = jenkinsfile.indexOf(`stage('${name}')`);
    if (start < 0) throw new Error(`the Jenkinsfile has no stage ${name}`);
    let depth = 0;
    for (let index = jenkinsfile.indexOf('{', start); index < jenkinsfile.length; index++) {
      if (jenkinsfile[index] === '{') depth++;
      if (jenkinsfile[index] === '}' && --depth === 0) return jenkinsfile.slice(start, index + 1);
    }
    throw new Error(`stage ${name} is not closed`);
  };
  /** A stage's own text, without its nested stages. */
  const ownText = (name: string) => {
    const text = stage(name);
    const nested = text.indexOf("stage('", 1);
    return nested < 0 ? text : text.slice(0, nested);
  };
  const shSteps = [...jenkinsfile.matchAll(/\bsh '([^']*)'/g)].map((match) => match[1]!);
  const timeoutOf = (name: string) => /options \{[^}]*timeout\(time: (\d+), unit: '(\w+)'\)/.exec(ownText(name).slice(ownText(name).indexOf('{')));
  const minutes = ([, amount, unit]: RegExpExecArray) => Number(amount) * ({ MINUTES: 1, HOURS: 60, DAYS: 1440 } as Record<string, number>)[unit!]!;

  it("parses: npm-groovy-lint finds no error (Groovy syntax, on the machine's Java)", () => {
    const result = runNpx('npm-groovy-lint', ['--noserver', '--failon', 'error', '--output', 'json', 'Jenkinsfile'], 120_000);
    expect({ status: result.status, stderr: result.stderr.replace(/^npm warn .*\n/gm, '') }).toEqual({ status: 0, stderr: '' });
    const report = JSON.parse(result.stdout.slice(result.stdout.indexOf('{')));
    expect(report.summary.totalFoundErrorNumber).toBe(0);
  }, 120_000);

  it('is a declarative pipeline with the stages in delivery order', () => {
    expect(jenkinsfile).toMatch(/^pipeline \{$/m);
    const order = ['Build and deploy dev', 'Checkout', 'Install', 'Checks', 'Type-check', 'Lint', 'Test', 'Build images', 'Deploy dev', 'Approve prod', 'Deploy prod'];
    expect(stageNames.filter((name) => order.includes(name))).toEqual(order);
    // Building and the dev deploy share one agent and workspace; the approval and prod are stages of their own.
    for (const name of ['Checkout', 'Install', 'Checks', 'Build images', 'Deploy dev']) expect(stage('Build and deploy dev')).toContain(`stage('${name}')`);
    for (const name of ['Approve prod', 'Deploy prod']) expect(stage('Build and deploy dev')).not.toContain(`stage('${name}')`);
  });

  it('checks out, installs with npm ci after the lockfile check (no npm install fallback), type-checks and lints', () => {
    expect(stage('Checkout')).toContain('def scmVars = checkout scm');
    expect(stage('Install')).toContain("sh 'node scripts/ci/check-lockfile.mjs'");
    expect(stage('Install')).toContain("sh 'npm ci --no-audit --no-fund'");
    expect(stage('Install').indexOf('check-lockfile')).toBeLessThan(stage('Install').indexOf('npm ci'));
    expect(jenkinsfile).not.toMatch(/npm install/);
    expect(stage('Type-check')).toContain("sh 'npm run --silent typecheck'");
    expect(stage('Lint')).toContain('npx npm-groovy-lint --noserver --failon error Jenkinsfile');
    for (const file of ['services/Dockerfile', 'frontend/Dockerfile']) expect(stage('Lint')).toContain(`npx dockerfile-utils lint ${file}`);
  });

  it("runs the README's test command, after installing the tools the tests need", () => {
    const test = stage('Test');
    expect(test).toContain(`sh '${readmeTestCommand()}'`);
    expect(test.indexOf('scripts/install-ci-tools.sh')).toBeLessThan(test.indexOf(`sh '${readmeTestCommand()}'`));
  });

  it('runs the checks in parallel, and the image builds in parallel, one per image, tagged with the commit', () => {
    expect(stage('Checks')).toMatch(/^\s*parallel \{/m);
    expect(stage('Build images')).toMatch(/^\s*parallel \{/m);
    for (const name of serviceNames) expect(stage(name)).toContain(`docker build -f services/Dockerfile --build-arg SERVICE=${name} -t "bookstore/${name}:$IMAGE_TAG" .`);
    expect(stage('frontend')).toContain('docker build -f frontend/Dockerfile -t "bookstore/frontend:$IMAGE_TAG" .');
    expect(stage('Checkout')).toContain("env.IMAGE_TAG = sh(script: 'git rev-parse HEAD', returnStdout: true).trim()");
  });

  it('holds no executor while it waits for the prod approval: agent none, and an approval stage without agent', () => {
    expect(pipelineBlock).toMatch(/^pipeline \{\s*agent none$/m);
    const approve = stage('Approve prod');
    expect(approve).toMatch(/input \{\s*message '[^']+'\s*ok '[^']+'\s*\}/);
    expect(approve).not.toMatch(/^\s*agent\b/m);
    // The stages that need a workspace bring their own agent.
    expect(stage('Build and deploy dev')).toMatch(/^ {12}agent \{ label 'docker' \}$/m);
    expect(ownText('Deploy prod')).toMatch(/agent \{\s*docker \{[^}]*label 'docker'/);
  });

  it('has a timeout per stage, none over the whole run: generous for pulumi up, days for the approval', () => {
    const topOptions = /^ {4}options \{([^}]*)\}/m.exec(pipelineBlock)![1]!;
    expect(topOptions).not.toMatch(/timeout/);
    expect(topOptions).not.toMatch(/disableConcurrentBuilds/);
    for (const name of ['Checkout', 'Install', 'Checks', 'Build images', 'Deploy dev', 'Approve prod', 'Deploy prod']) expect([name, timeoutOf(name)]).toEqual([name, expect.anything()]);
    expect(minutes(timeoutOf('Deploy dev')!)).toBeGreaterThanOrEqual(90);
    expect(minutes(timeoutOf('Deploy prod')!)).toBeGreaterThanOrEqual(180);
    expect(timeoutOf('Approve prod')![2]).toBe('DAYS');
    // The approval's timeout wraps only the input (stage options apply before input), not the prod deploy.
    expect(stage('Deploy prod')).not.toContain('input');
  });

  it('deploys only from main, in multibranch and plain Pipeline jobs alike', () => {
    // `when { branch }` only works in multibranch jobs (jenkins.io, Pipeline Syntax, when > branch).
    expect(jenkinsfile).not.toMatch(/when \{[^}]*\bbranch '/);
    const fn = jenkinsfile.slice(jenkinsfile.indexOf('boolean onMainBranch()'), jenkinsfile.indexOf('pipeline {'));
    expect(fn).toContain("String branch = env.BRANCH_NAME ?: env.GIT_BRANCH ?: ''");
    expect(fn).toContain("return branch in ['main', 'origin/main', 'refs/heads/main']");
    expect(stage('Checkout')).toContain('env.GIT_BRANCH = scmVars.GIT_BRANCH');
    for (const name of ['Deploy dev', 'Approve prod', 'Deploy prod']) expect([name, ownText(name)]).toEqual([name, expect.stringMatching(/when \{\s*before(Agent|Options) true\s*expression \{ onMainBranch\(\) \}\s*\}/)]);
  });

  it('deploys through scripts/deploy/deploy.sh, with Node, Pulumi, aws and docker, dev first and prod after the approval', () => {
    const dev = ownText('Deploy dev');
    const prod = ownText('Deploy prod');
    for (const deploy of [dev, prod]) {
      expect(deploy).toContain(`image 'pulumi/pulumi:${pulumiPin}'`);
      expect(deploy).toContain("args '-u root:root -v /var/run/docker.sock:/var/run/docker.sock'");
      expect(deploy).toContain('withCredentials([awsDeployCredentials()])');
      expect(deploy).toContain("PULUMI_ACCESS_TOKEN = credentials('pulumi-access-token')");
    }
    expect(dev).toContain("sh 'fnm exec --using=24 -- bash scripts/deploy/deploy.sh dev'");
    expect(dev).toContain('reuseNode true'); // the images the Build images stage left on this agent
    expect(prod).toContain("sh 'fnm exec --using=24 -- bash scripts/deploy/deploy.sh prod --images-from dev'");
    expect(prod.indexOf("unstash 'source'")).toBeLessThan(prod.indexOf('npm ci'));
    expect(prod.indexOf('npm ci')).toBeLessThan(prod.indexOf('deploy.sh prod'));
    expect(stage('Checkout')).toMatch(/stash name: 'source', excludes: '[^']*\*\*\/node_modules\/\*\*/);
    for (const script of shSteps) expect(script).not.toMatch(/pulumi (up|config set)|docker push/);
  });

  it('never overlaps two deploys of a stack, and never lets an older commit overtake a newer one', () => {
    const ordinals = [...jenkinsfile.matchAll(/milestone\(ordinal: (\d+)/g)].map((match) => Number(match[1]));
    expect(ordinals).toEqual([10, 20, 30, 40]);
    const dev = ownText('Deploy dev');
    expect(dev).toMatch(/lock\(resource: 'bookstore-deploy-dev', inversePrecedence: true\) \{\s*milestone\(ordinal: 10/);
    expect(dev.indexOf('milestone(ordinal: 10')).toBeLessThan(dev.indexOf('deploy.sh dev'));
    expect(dev.indexOf('deploy.sh dev')).toBeLessThan(dev.indexOf('milestone(ordinal: 20'));
    expect(ownText('Approve prod')).toMatch(/steps \{[^}]*milestone\(ordinal: 30/);
    expect(ownText('Deploy prod')).toMatch(/lock\(resource: 'bookstore-deploy-prod', inversePrecedence: true\) \{\s*milestone\(ordinal: 40/);
  });

  it('takes credentials only from the Jenkins credentials store', () => {
    expect(jenkinsfile).toContain("credentialsId: 'aws-bookstore-deploy'");
    expect(jenkinsfile).not.toMatch(/AKIA[0-9A-Z]{16}|pul-[0-9a-f]{40}|(ACCESS_KEY_ID|SECRET_ACCESS_KEY|TOKEN)\s*=\s*'/);
  });

  it('archives the test reports and screenshots', () => {
    expect(stage('Build and deploy dev')).toMatch(/post \{\s*always \{[^}]*archiveArtifacts artifacts: 'reports\/\*\*'/);
  });
});

describe('.github/workflows/ci.yml', () => {
  interface Step {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
    if?: string;
  }
  interface Job {
    needs?: string | string[];
    if?: string;
    environment?: string;
    'timeout-minutes'?: number;
    concurrency?: { group: string; 'cancel-in-progress': boolean };
    permissions?: Record<string, string>;
    env?: Record<string, string>;
    container?: string;
    strategy?: { matrix: { include: Record<string, string>[] } };
    steps: Step[];
  }
  const workflow = readYaml<{ on: Record<string, unknown>; permissions: Record<string, string>; concurrency: { group: string; 'cancel-in-progress': boolean }; jobs: Record<string, Job> }>('.github/workflows/ci.yml');
  const { jobs } = workflow;
  const runs = (job: Job) => job.steps.map((step) => step.run ?? '').join('\n');
  const uses = (job: Job) => job.steps.map((step) => step.uses).filter(Boolean);
  const step = (job: Job, action: string) => job.steps.find((candidate) => candidate.uses?.startsWith(`${action}@`));
  const onMain = "github.ref == 'refs/heads/main' && github.event_name != 'pull_request'";
  const dev = jobs['deploy-dev']!;
  const prod = jobs['deploy-prod']!;

  it('parses as YAML with the test, image, and deploy jobs in order', () => {
    expect(Object.keys(jobs)).toEqual(['test', 'images', 'deploy-dev', 'deploy-prod']);
    expect([jobs.images!.needs, dev.needs, prod.needs]).toEqual(['test', 'images', 'deploy-dev']);
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });

  it("installs with npm ci, type-checks, lints and runs the README's test command, then keeps the reports", () => {
    const test = jobs.test!;
    expect(runs(test)).toContain('node scripts/ci/check-lockfile.mjs\nnpm ci --no-audit --no-fund');
    for (const job of Object.values(jobs)) expect(runs(job)).not.toMatch(/npm install/);
    expect(runs(test)).toContain('npm run --silent typecheck');
    expect(runs(test)).toContain('npx npm-groovy-lint --noserver --failon error Jenkinsfile');
    expect(runs(test)).toContain('bash scripts/install-ci-tools.sh');
    expect(test.steps.map((candidate) => candidate.run)).toContain(readmeTestCommand());
    expect(step(test, 'actions/upload-artifact')).toMatchObject({ if: 'always()', with: { path: 'reports/' } });
    expect(test.container).toMatch(/^node:24\.\d+\.\d+-bookworm$/);
  });

  it('builds every image tagged with the commit, and hands it to the deploy job as an artifact on main', () => {
    const job = jobs.images!;
    expect(job.strategy!.matrix.include.map(({ image }) => image)).toEqual(images);
    for (const entry of job.strategy!.matrix.include) {
      expect(entry).toMatchObject(entry.image === 'frontend' ? { dockerfile: 'frontend/Dockerfile' } : { dockerfile: 'services/Dockerfile', service: entry.image });
    }
    expect(runs(job)).toContain('docker build -f ${{ matrix.dockerfile }} --build-arg SERVICE=${{ matrix.service }} -t bookstore/${{ matrix.image }}:$IMAGE_TAG .');
    expect(runs(job)).toContain('docker save "bookstore/$IMAGE:$IMAGE_TAG" | gzip > "image-$IMAGE.tar.gz"');
    expect(step(job, 'actions/upload-artifact')).toMatchObject({ if: onMain, with: { name: 'image-${{ matrix.image }}', 'if-no-files-found': 'error' } });
    // Nothing is pushed before the registry stack exists: only the deploy script pushes.
    expect(runs(job)).not.toMatch(/docker push|docker login/);
    expect(job.permissions?.['id-token']).toBeUndefined();
    expect(step(dev, 'actions/download-artifact')).toMatchObject({ with: { pattern: 'image-*', 'merge-multiple': true, path: 'images' } });
    expect(runs(dev)).toContain('docker load --input "$archive"');
  });

  it('deploys dev and then prod (behind the production environment) through scripts/deploy/deploy.sh, on main only', () => {
    expect([dev.if, prod.if]).toEqual([onMain, onMain]);
    expect([dev.environment, prod.environment]).toEqual(['dev', 'production']);
    expect(dev.steps.at(-1)!.run).toBe('bash scripts/deploy/deploy.sh dev');
    expect(prod.steps.at(-1)!.run).toBe('bash scripts/deploy/deploy.sh prod --images-from dev');
    for (const job of [dev, prod]) {
      expect(runs(job)).toContain('npm ci --no-audit --no-fund');
      expect(step(job, 'actions/setup-node')).toMatchObject({ with: { 'node-version-file': '.nvmrc' } });
      expect(step(job, 'pulumi/actions')).toMatchObject({ with: { 'pulumi-version-file': 'scripts/deploy/pulumi-version' } });
      expect(step(job, 'pulumi/actions')!.with!.command).toBeUndefined();
      expect(runs(job)).not.toMatch(/pulumi (up|config set)|docker push/);
    }
  });

  it('lets a run wait for the prod approval without blocking the next push: per-stack groups on the deploy jobs', () => {
    // The workflow-wide group is per pull request (cancelling its older runs) and per run on main.
    expect(workflow.concurrency).toEqual({ group: "ci-${{ github.event_name == 'pull_request' && github.ref || github.run_id }}", 'cancel-in-progress': true });
    expect(dev.concurrency).toEqual({ group: 'deploy-dev', 'cancel-in-progress': false });
    expect(prod.concurrency).toEqual({ group: 'deploy-prod', 'cancel-in-progress': false });
    for (const id of ['test', 'images']) expect(jobs[id]!.concurrency).toBeUndefined();
  });

  it('gives the deploys time: job timeouts for a first prod up, and OIDC sessions that outlast them', () => {
    expect(dev['timeout-minutes']).toBeGreaterThanOrEqual(90);
    expect(prod['timeout-minutes']).toBeGreaterThanOrEqual(180);
    for (const job of [dev, prod]) {
      expect(Number(step(job, 'aws-actions/configure-aws-credentials')!.with!['role-duration-seconds'])).toBeGreaterThanOrEqual(job['timeout-minutes']! * 60);
    }
  });

  it('holds no credentials: OIDC for AWS, the Pulumi token from secrets', () => {
    const text = readRepoFile('.github/workflows/ci.yml');
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AKIA[0-9A-Z]{16}|pul-[0-9a-f]{40}/);
    for (const id of ['deploy-dev', 'deploy-prod']) {
      expect([id, jobs[id]!.env]).toEqual([id, { PULUMI_ACCESS_TOKEN: '${{ secrets.PULUMI_ACCESS_TOKEN }}' }]);
      expect(jobs[id]!.permissions).toMatchObject({ 'id-token': 'write' });
      expect(uses(jobs[id]!)).toContainEqual(expect.stringMatching(/^aws-actions\/configure-aws-credentials@/));
    }
    for (const job of Object.values(jobs)) {
      for (const candidate of job.steps.filter((entry) => entry.uses?.startsWith('aws-actions/configure-aws-credentials@'))) {
        expect(candidate.with).toMatchObject({ 'role-to-assume': '${{ vars.AWS_DEPLOY_ROLE_ARN }}' });
      }
    }
  });
});
