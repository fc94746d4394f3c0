import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { asyncApiDocument, asyncApiFile, asyncApiYaml, messageIdOf, receiveOperationOf, sendOperationOf, type AsyncApiDocument } from './asyncapi';
import { readableContracts } from './contract-schemas';
import { cancellationReason, contracts, earlierVersion, eventTypes, type EventType } from './contracts';
import { defineEvent } from './contracts/define';
import { resolveTopology, typeAttribute } from './topology';

const parser = new Parser();

/** The parser's errors (warnings and hints aside), each with where it is. */
async function parserErrors(document: string): Promise<string[]> {
  const { diagnostics } = await parser.parse(document);
  return diagnostics.filter(({ severity }) => severity === DiagnosticSeverity.Error).map(({ path, message }) => `${path.join('/')}: ${message}`);
}

/** The message ids an operation lists; each must be a message of the operation's own channel. */
function operationMessages(document: AsyncApiDocument, operationId: string): string[] {
  const operation = document.operations[operationId]!;
  return operation.messages.map(({ $ref }) => {
    const [, channel, id] = /^#\/channels\/([^/]+)\/messages\/([^/]+)$/.exec($ref)!;
    expect(`#/channels/${channel}`).toBe(operation.channel.$ref);
    return id!;
  });
}

const readableIds = (types: readonly string[]) =>
  eventTypes.filter((type) => types.includes(type)).flatMap((type) => readableContracts(type).map(({ version }) => messageIdOf(type, version)));

describe('the AsyncAPI document (events/asyncapi.yaml)', () => {
  it('is committed as the contracts and the topology generate it', () => {
    if (readFileSync(asyncApiFile, 'utf8') !== asyncApiYaml())
      throw new Error('events/asyncapi.yaml is out of date: run npm run docs and commit it');
  });

  it('is valid AsyncAPI 3.0.0 for the parser, bindings and payload schemas included', async () => {
    expect(await parserErrors(asyncApiYaml())).toEqual([]);
  });

  // Each case breaks the generated YAML in one place, so that a validation that checked nothing would fail here.
  it.each([
    [
      'an operation on a channel that does not exist',
      '$ref: "#/channels/catalog-queue"\n',
      '$ref: "#/channels/nowhere"\n',
      /'#\/channels\/nowhere' does not exist/,
    ],
    [
      "an operation message from another channel than the operation's",
      '#/channels/catalog-queue/messages/OrderPlaced.v1',
      '#/channels/orders-queue/messages/BookUpserted.v1',
      /does not belong to the specified channel/,
    ],
    [
      'an SQS binding field of the wrong type',
      'visibilityTimeout: 30',
      'visibilityTimeout: thirty',
      /visibilityTimeout" property type must be integer/,
    ],
    [
      'an SNS binding field of the wrong type',
      'rawMessageDelivery: true',
      'rawMessageDelivery: "true"',
      /rawMessageDelivery" property type must be boolean/,
    ],
    [
      'a binding version AsyncAPI 3.0.0 does not know',
      'bindingVersion: 0.2.0',
      'bindingVersion: 0.3.0',
      /bindingVersion" property must be equal to one of the allowed values/,
    ],
    ['a message schema that is not JSON Schema', 'type: object', 'type: record', /"type" property must be equal to one of the allowed values/],
  ])('fails with %s', async (_, original, broken, error) => {
    const yaml = asyncApiYaml();
    const brokenYaml = yaml.replace(original, broken);
    expect(brokenYaml).not.toBe(yaml);
    expect((await parserErrors(brokenYaml)).join('\n')).toMatch(error);
  });

  it('has a message for each version of each event the code reads, with its type and version in the envelope', () => {
    const { messages } = asyncApiDocument().components;
    expect(Object.keys(messages)).toEqual(readableIds(eventTypes));
    for (const [type, version] of eventTypes.flatMap((type) => readableContracts(type).map(({ version }) => [type, version] as const))) {
      const { payload, headers } = messages[messageIdOf(type, version)] as Record<'payload' | 'headers', { properties: Record<string, unknown> }>;
      expect(payload.properties).toMatchObject({ type: { const: type }, version: { const: version }, data: readableData(type, version) });
      expect(headers.properties[typeAttribute]).toEqual(expect.objectContaining({ const: type }));
    }
  });

  it.each(
    eventTypes.flatMap((type) => [contracts[type], ...contracts[type].earlierVersions].map(({ version, data }) => [type, version, data] as const)),
  )('has the payload of %s v%d in JSON Schema draft-07: zod renders its data the same for draft-07 as for 2020-12', (type, version, data) => {
    const { $schema, ...draft07 } = z.toJSONSchema(data, { io: 'input', target: 'draft-7' });
    expect(draft07).toEqual(readableData(type, version));
  });

  it("has each producer send the current version of each event it produces, on its topic, to the queues its subscriptions' filters admit", () => {
    const document = asyncApiDocument();
    const { topics, subscriptions } = resolveTopology();
    for (const topic of topics) {
      const operation = document.operations[sendOperationOf(topic.producer)]!;
      const produced = eventTypes.filter((type) => contracts[type].producer === topic.producer);
      expect(operation).toMatchObject({ action: 'send', channel: { $ref: `#/channels/${topic.name}` } });
      expect(operationMessages(document, sendOperationOf(topic.producer))).toEqual(
        produced.map((type) => messageIdOf(type, contracts[type].version)),
      );
      const consumers = subscriptions
        .filter((subscription) => subscription.topic === topic.name)
        .map(({ queue, filterPolicy }) => ({
          protocol: 'sqs',
          endpoint: { name: queue },
          filterPolicy,
          filterPolicyScope: 'MessageAttributes',
          rawMessageDelivery: true,
        }));
      expect(operation.bindings).toEqual({ sns: { consumers, bindingVersion: expect.any(String) } });
    }
  });

  it('has each consumer receive from its queue exactly the types its filter policies admit, in every version the code reads', () => {
    const document = asyncApiDocument();
    const { queues, subscriptions } = resolveTopology();
    for (const queue of queues) {
      const admitted = subscriptions
        .filter((subscription) => subscription.queue === queue.name)
        .flatMap(({ filterPolicy }) => filterPolicy[typeAttribute]);
      expect(document.operations[receiveOperationOf(queue.consumer)]).toMatchObject({
        action: 'receive',
        channel: { $ref: `#/channels/${queue.name}` },
      });
      expect(operationMessages(document, receiveOperationOf(queue.consumer))).toEqual(readableIds(admitted));
      expect(Object.keys(document.channels[queue.deadLetterQueueName]!.messages)).toEqual(readableIds(admitted));
    }
  });

  describe('with a second version of an event (a rehearsal of README\'s "Changing an event")', () => {
    beforeEach(() => {
      const v1 = contracts.OrderCancelled;
      const v2 = defineEvent({
        ...v1,
        version: 2,
        data: z.strictObject({ orderId: z.uuid(), cause: cancellationReason }),
        earlierVersions: [earlierVersion(1, v1.data, ({ orderId, reason }) => ({ orderId, cause: reason }))],
      });
      jest.replaceProperty(contracts, 'OrderCancelled', v2 as never);
    });
    afterEach(() => jest.restoreAllMocks());

    it('sends version 2 only, and receives both where the event is consumed', async () => {
      const document = asyncApiDocument();
      expect(Object.keys(document.components.messages)).toEqual(expect.arrayContaining(['OrderCancelled.v1', 'OrderCancelled.v2']));
      expect(operationMessages(document, sendOperationOf('orders'))).toEqual(['OrderPlaced.v1', 'OrderConfirmed.v1', 'OrderCancelled.v2']);
      expect(operationMessages(document, receiveOperationOf('payments'))).toEqual(['OrderPlaced.v1', 'OrderCancelled.v2', 'OrderCancelled.v1']);
      expect(await parserErrors(asyncApiYaml())).toEqual([]);
    });
  });
});

function readableData(type: EventType, version: number): Record<string, unknown> {
  const { $schema, ...data } = readableContracts(type).find((readable) => readable.version === version)!.data;
  return data;
}
