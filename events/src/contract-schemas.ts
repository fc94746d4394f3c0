import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { contracts, eventTypes, type EventType } from './contracts';

/** Where each published event version's schema is committed: events/schemas/<Type>.v<version>.json. */
export const schemasDir = path.resolve(__dirname, '../schemas');

/** An event version as published: who sends it, and the JSON Schema (2020-12) of its `data`. */
export interface PublishedContract {
  type: string;
  version: number;
  producer: string;
  data: Record<string, unknown>;
}

export function schemaFileOf(type: string, version: number): string {
  return path.join(schemasDir, `${type}.v${version}.json`);
}

/** Every version of an event type the code reads, the current one first, in the form each is published. */
export function readableContracts(type: EventType): PublishedContract[] {
  const { version, producer, data, earlierVersions } = contracts[type];
  return [{ version, data }, ...earlierVersions].map((readable) => ({
    type,
    version: readable.version,
    producer,
    data: z.toJSONSchema(readable.data, { io: 'input' }) as Record<string, unknown>,
  }));
}

export function publishedContract(type: string, version: number): PublishedContract | undefined {
  const file = schemaFileOf(type, version);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PublishedContract) : undefined;
}

/**
 * Where two versions of a contract differ, as JSON paths, descriptions aside (they document, they do not validate).
 * Once a version is published it must not differ at all: both sides validate strictly (unknown fields are refused),
 * so during a rolling deploy even an added optional field is refused by a consumer still running the old code, and a
 * removed, renamed, narrowed or newly required field by a new consumer reading a message already on the queue.
 */
export function contractChanges(published: unknown, current: unknown, at = ''): string[] {
  if (isRecord(published) && isRecord(current)) {
    const keys = new Set([...Object.keys(published), ...Object.keys(current)].filter((key) => key !== 'description'));
    return [...keys].flatMap((key) => {
      const where = `${at}/${key}`;
      if (!(key in current)) return [`${where} removed`];
      if (!(key in published)) return [`${where} added`];
      return contractChanges(published[key], current[key], where);
    });
  }
  return JSON.stringify(published) === JSON.stringify(current) ? [] : [`${at || '/'} changed from ${JSON.stringify(published)} to ${JSON.stringify(current)}`];
}

/**
 * Commits the schema of every event version the code reads that has none yet; never rewrites a published one. Returns
 * the files written, and the versions whose published schema the code no longer matches (each needs a new version).
 */
export function publishContracts(): { written: string[]; changed: string[] } {
  mkdirSync(schemasDir, { recursive: true });
  const written: string[] = [];
  const changed: string[] = [];
  for (const contract of eventTypes.flatMap(readableContracts)) {
    const file = schemaFileOf(contract.type, contract.version);
    const published = publishedContract(contract.type, contract.version);
    if (!published) {
      writeFileSync(file, `${JSON.stringify(contract, null, 2)}\n`);
      written.push(path.basename(file));
    } else if (contractChanges(published, contract).length > 0) {
      changed.push(`${contract.type} v${contract.version}`);
    }
  }
  return { written, changed };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
