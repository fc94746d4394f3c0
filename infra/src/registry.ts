import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/** Keep this many tagged images per repository; untagged layers go after a week. */
const keptImages = 30;

/** One ECR repository per image: scanned on push, immutable tags, old images expired. */
export class Registry extends pulumi.ComponentResource {
  readonly repositories: Record<string, aws.ecr.Repository> = {};

  constructor(name: string, { images, prefix, keepOnDelete }: { images: string[]; prefix: string; keepOnDelete: boolean }, opts?: pulumi.ComponentResourceOptions) {
    super('bookstore:registry:Registry', name, {}, opts);
    for (const image of images) {
      const repository = new aws.ecr.Repository(`${name}-${image}`, {
        name: `${prefix}/${image}`,
        imageScanningConfiguration: { scanOnPush: true },
        imageTagMutability: 'IMMUTABLE',
        encryptionConfigurations: [{ encryptionType: 'AES256' }],
        forceDelete: !keepOnDelete,
      }, { parent: this });
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
