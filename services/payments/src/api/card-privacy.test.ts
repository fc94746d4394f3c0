import { PassThrough } from 'node:stream';
import { createLogger, runService, type RunningService } from '@bookstore/kit';
import { createTestDatabase, testServiceConfig } from '@bookstore/kit/testing';
import { migrationsDir } from '..';
import { createPaymentsService } from '../service';

const cardNumber = '4242424242424242';
let running: RunningService;
let baseUrl: string;
let logged = '';

beforeAll(async () => {
  const destination = new PassThrough();
  destination.on('data', (chunk) => (logged += chunk));
  const logger = createLogger('payments', { level: 'trace', destination });
  const service = createPaymentsService(testServiceConfig(await createTestDatabase('payments', migrationsDir)), logger);
  running = await runService(service, { roles: ['api'], port: 0 });
  baseUrl = `http://127.0.0.1:${running.port}/api/payments/methods`;
});
afterAll(() => running?.stop());

const post = (body: string) => fetch(baseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('card data', () => {
  it('never appears in logs or error responses, whether the card is accepted or not', async () => {
    const card = { cardNumber, expMonth: 12, expYear: 2099, cvc: '987', holderName: 'Ada' };
    const replies = [
      await post(JSON.stringify(card)),
      await post(JSON.stringify({ ...card, expYear: 2001 })),
      await post(JSON.stringify({ ...card, cardNumber: '4242424242424241' })),
      await post(JSON.stringify({ ...card, surprise: true })),
      await post(`{"cardNumber": "${cardNumber}", "cvc": "987"`),
    ];
    expect(replies.map(({ status }) => status)).toEqual([201, 400, 400, 400, 400]);
    const bodies = await Promise.all(replies.map((reply) => reply.text()));

    expect(JSON.parse(bodies[0]!)).toMatchObject({ brand: 'visa', last4: '4242' });
    for (const text of [logged, ...bodies.slice(1)]) {
      expect(text).not.toContain(cardNumber);
      expect(text).not.toContain('424242424242424');
      expect(text).not.toMatch(/"cvc"\s*:\s*"\d/); // by key: three digits alone could occur in any timestamp
    }
    expect(logged).toContain('/api/payments/methods'); // the requests were logged, just without card data
  });
});
