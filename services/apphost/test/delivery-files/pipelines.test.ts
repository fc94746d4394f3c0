import { serviceNames } from '@bookstore/kit/platform';
import { readRepoFile, readYaml, runNpx } from './support';

const images = [...serviceNames, 'frontend'];

/** The test command README.md gives (```sh block: `npm test   # unit and integration tests ...`). */
function readmeTestCommand(): string {
  const readme = readRepoFile('README.md');
  const commands = [...readme.matchAll(/^(npm (?:run )?test)\b[^\n]*#/gm)].map((match) => match[1]!);
  if (commands.length === 0) throw new Error('README.md names no test command (a line `npm test   # ...` in a sh block)');
  return commands[0]!;
}

describe('Jenkinsfile', () => {
  const jenkinsfile = readRepoFile('Jenkinsfile');
  /** The body of `stage('<name>') { ... }`, up to the next stage at the same or a lower depth. */
  const stageNames = [...jenkinsfile.matchAll(/stage\('([^']+)'\)/g)].map((match) => match[1]!);
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

  it('parses: npm-groovy-lint finds no error (Groovy syntax, on the machine\'s Java)', () => {
    const result = runNpx('npm-groovy-lint', ['--noserver', '--failon', 'error', '--output', 'json', 'Jenkinsfile'], 120_000);
    expect({ status: result.status, stderr: result.stderr.replace(/^npm warn .*\n/gm, '') }).toEqual({ status: 0, stderr: '' });
    const report = JSON.parse(result.stdout.slice(result.stdout.indexOf('{')));
    expect(report.summary.totalFoundErrorNumber).toBe(0);
  }, 120_000);

  it('is a declarative pipeline with the stages in delivery order', () => {
    expect(jenkinsfile).toMatch(/^pipeline \{$/m);
    const order = ['Checkout', 'Install', 'Checks', 'Type-check', 'Lint', 'Test', 'Build images', 'Push to ECR', 'Deploy dev', 'Approve prod', 'Deploy prod'];
    expect(stageNames.filter((name) => order.includes(name))).toEqual(order);
  });

  it('checks out, installs with npm ci (falling back as .ci/run does), type-checks and lints', () => {
    expect(stage('Checkout')).toContain('checkout scm');
    expect(stage('Install')).toContain("sh 'npm ci --no-audit --no-fund || npm install --no-audit --no-fund'");
    expect(stage('Type-check')).toContain("sh 'npm run --silent typecheck'");
    expect(stage('Lint')).toContain('npx npm-groovy-lint --noserver --failon error Jenkinsfile');
    for (const file of ['services/Dockerfile', 'frontend/Dockerfile']) expect(stage('Lint')).toContain(`npx dockerfile-utils lint ${file}`);
  });

  it("runs the README's test command, after installing the tools the tests need", () => {
    const test = stage('Test');
    expect(test).toContain(`sh '${readmeTestCommand()}'`);
    expect(test.indexOf('scripts/install-ci-tools.sh')).toBeLessThan(test.indexOf(`sh '${readmeTestCommand()}'`));
  });

  it('runs the checks in parallel, and the image builds in parallel, one per image', () => {
    expect(stage('Checks')).toMatch(/^\s*parallel \{/m);
    const build = stage('Build images');
    expect(build).toMatch(/^\s*parallel \{/m);
    for (const name of serviceNames) expect(stage(name)).toContain(`docker build -f services/Dockerfile --build-arg SERVICE=${name} -t "bookstore/${name}:$IMAGE_TAG" .`);
    expect(stage('frontend')).toContain('docker build -f frontend/Dockerfile -t "bookstore/frontend:$IMAGE_TAG" .');
  });

  it('tags the images with the commit and pushes them to the stack\'s ECR repositories', () => {
    expect(stage('Checkout')).toContain("env.IMAGE_TAG = sh(script: 'git rev-parse HEAD', returnStdout: true).trim()");
    expect(jenkinsfile).toContain(`return [${images.map((image) => `'${image}'`).join(', ')}]`);
    expect(jenkinsfile).toContain('aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "$registry"');
    expect(jenkinsfile).toContain('docker push "$registry/bookstore-$STACK/$image:$IMAGE_TAG"');
    expect(stage('Push to ECR')).toContain("pushImages('dev')");
  });

  it('deploys dev automatically, and prod only after an approval', () => {
    expect(stage('Deploy dev')).toContain("deploy('dev')");
    expect(stage('Deploy dev')).not.toContain('input');
    expect(stage('Approve prod')).toMatch(/input message: /);
    expect(stage('Deploy prod')).toContain("deploy('prod')");
    expect(stage('Deploy prod')).toContain("pushImages('prod')");
    for (const name of ['Push to ECR', 'Deploy dev', 'Approve prod', 'Deploy prod']) expect(stage(name)).toContain("when { branch 'main' }");
    // deploy(stack) points the stack at this run's images, then applies it.
    const deployFunction = jenkinsfile.slice(jenkinsfile.indexOf('void deploy(String stack)'), jenkinsfile.indexOf('pipeline {'));
    expect(deployFunction).toContain('withEnv(["STACK=${stack}"])');
    expect(deployFunction).toContain(`sh 'pulumi config set bookstore:imageTag "$IMAGE_TAG" --stack "$STACK"'`);
    expect(deployFunction).toContain(`sh 'pulumi up --stack "$STACK" --yes'`);
  });

  it('takes credentials only from the Jenkins credentials store', () => {
    expect(jenkinsfile).toContain("credentialsId: 'aws-bookstore-deploy'");
    for (const name of ['Push to ECR', 'Deploy dev', 'Deploy prod']) expect(stage(name)).toContain('withCredentials([awsDeployCredentials()])');
    for (const name of ['Deploy dev', 'Deploy prod']) expect(stage(name)).toContain("PULUMI_ACCESS_TOKEN = credentials('pulumi-access-token')");
    expect(jenkinsfile).not.toMatch(/AKIA[0-9A-Z]{16}|pul-[0-9a-f]{40}|(ACCESS_KEY_ID|SECRET_ACCESS_KEY|TOKEN)\s*=\s*'/);
  });

  it('archives the test reports and screenshots', () => {
    expect(jenkinsfile).toMatch(/post \{\s*always \{[^}]*archiveArtifacts artifacts: 'reports\/\*\*'/);
  });
});

describe('.github/workflows/ci.yml', () => {
  interface Step {
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
    permissions?: Record<string, string>;
    env?: Record<string, string>;
    container?: string;
    strategy?: { matrix: { include: Record<string, string>[] } };
    steps: Step[];
  }
  const workflow = readYaml<{ on: Record<string, unknown>; permissions: Record<string, string>; jobs: Record<string, Job> }>('.github/workflows/ci.yml');
  const { jobs } = workflow;
  const runs = (job: Job) => job.steps.map((step) => step.run ?? '').join('\n');
  const uses = (job: Job) => job.steps.map((step) => step.uses).filter(Boolean);
  const onMain = "github.ref == 'refs/heads/main' && github.event_name != 'pull_request'";

  it('parses as YAML with the test, image, and deploy jobs in order', () => {
    expect(Object.keys(jobs)).toEqual(['test', 'images', 'deploy-dev', 'deploy-prod']);
    expect([jobs.images!.needs, jobs['deploy-dev']!.needs, jobs['deploy-prod']!.needs]).toEqual(['test', 'images', 'deploy-dev']);
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });

  it("installs with npm ci, type-checks, lints and runs the README's test command, then keeps the reports", () => {
    const test = jobs.test!;
    expect(runs(test)).toContain('npm ci --no-audit --no-fund || npm install --no-audit --no-fund');
    expect(runs(test)).toContain('npm run --silent typecheck');
    expect(runs(test)).toContain('npx npm-groovy-lint --noserver --failon error Jenkinsfile');
    expect(runs(test)).toContain('bash scripts/install-ci-tools.sh');
    expect(test.steps.map((step) => step.run)).toContain(readmeTestCommand());
    const archive = test.steps.find((step) => step.uses?.startsWith('actions/upload-artifact@'));
    expect(archive).toMatchObject({ if: 'always()', with: { path: 'reports/' } });
    expect(test.container).toMatch(/^node:24\.\d+\.\d+-bookworm$/);
  });

  it('builds every image and pushes it to ECR with the commit as tag, with AWS credentials by OIDC', () => {
    const job = jobs.images!;
    expect(job.strategy!.matrix.include.map(({ image }) => image)).toEqual(images);
    for (const entry of job.strategy!.matrix.include) {
      expect(entry).toMatchObject(entry.image === 'frontend' ? { dockerfile: 'frontend/Dockerfile' } : { dockerfile: 'services/Dockerfile', service: entry.image });
    }
    expect(runs(job)).toContain('docker build -f ${{ matrix.dockerfile }} --build-arg SERVICE=${{ matrix.service }} -t bookstore/${{ matrix.image }}:$IMAGE_TAG .');
    expect(runs(job)).toContain('docker push "$REGISTRY/bookstore-dev/$IMAGE:$IMAGE_TAG"');
    expect(job.permissions).toMatchObject({ 'id-token': 'write' });
    expect(uses(job)).toEqual(expect.arrayContaining([expect.stringMatching(/^aws-actions\/configure-aws-credentials@/), expect.stringMatching(/^aws-actions\/amazon-ecr-login@/)]));
  });

  it('deploys dev with Pulumi on main, then prod behind the production environment (required reviewers)', () => {
    const dev = jobs['deploy-dev']!;
    const prod = jobs['deploy-prod']!;
    expect([dev.if, prod.if]).toEqual([onMain, onMain]);
    expect(runs(dev)).toContain('pulumi up --stack dev --yes');
    expect(runs(prod)).toContain('pulumi up --stack prod --yes');
    expect([dev.environment, prod.environment]).toEqual(['dev', 'production']);
    for (const job of [dev, prod]) {
      expect(uses(job)).toContainEqual(expect.stringMatching(/^pulumi\/actions@/));
      expect(job.permissions).toMatchObject({ 'id-token': 'write' });
    }
    expect(runs(prod)).toContain('docker push "$REGISTRY/bookstore-prod/$image:$IMAGE_TAG"');
  });

  it('holds no credentials: OIDC for AWS, the Pulumi token from secrets', () => {
    const text = readRepoFile('.github/workflows/ci.yml');
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AKIA[0-9A-Z]{16}|pul-[0-9a-f]{40}/);
    for (const job of ['deploy-dev', 'deploy-prod']) expect([job, jobs[job]!.env]).toEqual([job, { PULUMI_ACCESS_TOKEN: '${{ secrets.PULUMI_ACCESS_TOKEN }}' }]);
    for (const job of Object.values(jobs)) {
      for (const step of job.steps.filter((candidate) => candidate.uses?.startsWith('aws-actions/configure-aws-credentials@'))) {
        expect(step.with).toMatchObject({ 'role-to-assume': '${{ vars.AWS_DEPLOY_ROLE_ARN }}' });
      }
    }
  });
});
