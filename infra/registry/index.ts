import { workloads } from '../src/security';
import { readSettings } from '../src/config';
import { Registry } from '../src/registry';

/** The ECR repositories of a stack (`bookstore-<stack>/<image>`): the first step of every deploy (scripts/deploy). */
const settings = readSettings();
const registry = new Registry(settings.namePrefix, { images: workloads, namePrefix: settings.namePrefix, keepOnDelete: settings.deletionProtection });

export const repositoryUrls = Object.fromEntries(workloads.map((image) => [image, registry.repositories[image]!.repositoryUrl]));
