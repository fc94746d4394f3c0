import { z } from 'zod';
import { contractChanges, publishedContract, readableContracts } from './contract-schemas';
import { contracts, eventTypes } from './contracts';

/**
 * The gate on event compatibility: a published event version is frozen. Consumers still running the old code during a
 * rolling deploy, and messages already on a queue, hold the old contract; a change goes out as the next version.
 */
describe('published event contracts (events/schemas)', () => {
  it.each(eventTypes.flatMap(readableContracts).map((contract) => [`${contract.type} v${contract.version}`, contract] as const))(
    '%s, a version the code reads, is published (npm run contracts:publish) and the code still matches it',
    (_, contract) => {
      const published = publishedContract(contract.type, contract.version);
      expect(published).toBeDefined();
      expect(contractChanges(published, contract)).toEqual([]);
    },
  );
});

describe('contractChanges', () => {
  const published = z.toJSONSchema(
    z.strictObject({ orderId: z.uuid(), reason: z.enum(['out_of_stock', 'timeout']), note: z.string().optional(), amountCents: z.number().int().min(0) }),
  );
  const changesTo = (current: z.ZodType) => contractChanges(published, z.toJSONSchema(current));

  it('names a removed or renamed field', () => {
    expect(changesTo(z.strictObject({ orderId: z.uuid(), reason: z.enum(['out_of_stock', 'timeout']), note: z.string().optional(), amount: z.number().int().min(0) }))).toEqual(
      expect.arrayContaining(['/properties/amountCents removed', '/properties/amount added']),
    );
  });

  it('names a narrowed type and a field made required', () => {
    const narrowed = z.strictObject({ orderId: z.uuid(), reason: z.enum(['timeout']), note: z.string(), amountCents: z.number().int().min(1) });
    const changes = changesTo(narrowed);
    expect(changes.some((change) => change.startsWith('/properties/reason/enum'))).toBe(true);
    expect(changes.some((change) => change.startsWith('/properties/amountCents/minimum'))).toBe(true);
    expect(changes.some((change) => change.startsWith('/required'))).toBe(true);
  });

  it('names an added optional field too (a strict consumer on the old code refuses it), and ignores descriptions', () => {
    const base = { orderId: z.uuid(), reason: z.enum(['out_of_stock', 'timeout']), note: z.string().optional(), amountCents: z.number().int().min(0) };
    expect(changesTo(z.strictObject({ ...base, extra: z.string().optional() }))).toEqual(['/properties/extra added']);
    expect(changesTo(z.strictObject({ ...base, orderId: z.uuid().describe('the order') }))).toEqual([]);
  });

  it('finds a real contract changed without a new version', () => {
    const [current] = readableContracts('OrderCancelled');
    const widened = { ...current!, data: z.toJSONSchema(contracts.OrderCancelled.data.extend({ note: z.string() }), { io: 'input' }) };
    expect(contractChanges(current, widened)).not.toEqual([]);
  });
});
