/**
 * The baseline for the read benchmarks: a bare Express app on its own process, answering a JSON document the
 * size of a catalog page from memory. What the services add on top of it (logging, validation, the database)
 * is the difference.
 */
import express from 'express';

const page = JSON.stringify({
  items: Array.from({ length: 20 }, (_, index) => ({ id: `book-${index}`, title: 'A Book', author: 'An Author', description: 'x'.repeat(200), priceCents: 1250, stock: 7 })),
  total: 48,
});
const app = express();
app.get('/', (_req, res) => {
  res.type('application/json').send(page);
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
});
