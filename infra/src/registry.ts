import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/** Keep this many tagged images per repository; untagged layers go after a week. */
const keptImages = 30;

/** The repository of one image in one environment: `bookstore-dev/orders`. The pipelines push there. */
export const repositoryName = (namePrefix: string, image: string) => `${namePrefix}/${image}`;

/**
 * One ECR repository per image: scanned on push, immutable tags, old images expired. Its own Pulumi project
 * (infra/registry), because images must be pushed before the main stack can run them, and the main stack
 * must not be applied half-way just to create somewhere to push to.
 */
export class Registry extends pulumi.ComponentResource {
  readonly repositories: Record<string, aws.ecr.Repository> = {};

  constructor(name: string, { images, namePrefix, keepOnDelete }: { images: readonly string[]; namePrefix: string; keepOnDelete: boolean }, opts?: pulumi.ComponentResourceOptions) {
    super('bookstore:registry:Registry', name, {}, opts);
    for (const image of images) {
      const repository = new aws.ecr.Repository(`${name}-${image}`, {
        name: repositoryName(namePrefix, image),
        imageScanningConfiguration: { scanOnPush: true },
        imageTagMutability: 'IMMUTABLE',
        encryptionConfigurations: [{ encryptionType: 'AES256' }],
        forceDelete: !keepOnDelete,
      }, { parent: this, deleteBeforeReplace: true });
      new aws.ecr.LifecyclePolicy(`${name}-${image}`, {
        repository: repository.name,
        policy: JSON.stringify({
          rules: [
            { rulePriority: 1, description: 'drop untagged layers', selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, action: { type: 'expire' } },
            { rulePriority: 2, description: `keep the last ${keptImages} images`, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keptImages }, action: { type: 'expire' } },
          ],
        }),
      }, { parent: this });
      this.repositories[image] = repository;
    }
    this.registerOutputs({});
  }
}

/**
 * The pushed image for a tag, pinned by digest. Looking it up makes `pulumi preview` fail at once, naming
 * the repository and tag, when the image was never pushed, instead of ECS retrying a missing image until
 * the circuit breaker gives up; and the digest means a task always runs exactly the image that was looked up.
 */
export function pushedImage(namePrefix: string, image: string, imageTag: string): pulumi.Output<string> {
  const name = repositoryName(namePrefix, image);
  const repository = aws.ecr.getRepositoryOutput({ name });
  const pushed = aws.ecr.getImageOutput({ repositoryName: name, imageTag });
  return pulumi.interpolate`${repository.repositoryUrl}@${pushed.imageDigest}`;
}
