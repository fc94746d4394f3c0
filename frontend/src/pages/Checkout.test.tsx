import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StoresProvider } from '../stores';
import { Checkout } from './Checkout';

const line = { bookId: 'b1', title: 'Dune', author: 'Frank Herbert', priceCents: 1199, currency: 'EUR', quantity: 2 };
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function renderCheckout() {
  render(
    <QueryClientProvider client={new QueryClient()}>
      <MemoryRouter initialEntries={['/checkout']}>
        <StoresProvider>
          <Routes>
            <Route path="/checkout" element={<Checkout />} />
            <Route path="/orders/:id" element={<p>order page</p>} />
          </Routes>
        </StoresProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

async function fillIn(cardNumber = '4242 4242 4242 4242') {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText('Name'), 'Ada Lovelace');
  await user.type(screen.getByLabelText('Email'), 'ada@example.com');
  await user.type(screen.getByLabelText('Card number'), cardNumber);
  await user.type(screen.getByLabelText('Expiry month'), '12');
  await user.type(screen.getByLabelText('Expiry year'), '2030');
  await user.type(screen.getByLabelText('CVC'), '123');
  return user;
}

describe('checkout', () => {
  const fetch = vi.fn<typeof globalThis.fetch>();
  beforeEach(() => {
    localStorage.setItem('bookstore.cart', JSON.stringify([line]));
    vi.stubGlobal('fetch', fetch);
  });
  afterEach(() => {
    fetch.mockReset();
    vi.unstubAllGlobals();
  });

  it('checks the form in the browser first, asking the server nothing until it is filled in', async () => {
    renderCheckout();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Email'), 'not-an-email');
    await user.type(screen.getByLabelText('Expiry month'), '13');
    await user.click(screen.getByRole('button', { name: 'Place order' }));
    expect(screen.getByLabelText('Name')).toHaveAccessibleDescription('Enter your name');
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('Enter an email address like ada@example.com');
    expect(screen.getByLabelText('Expiry month')).toHaveAccessibleDescription('A month from 1 to 12');
    expect(screen.getByText('2 books, €23.98')).toBeInTheDocument();
    expect(fetch).not.toHaveBeenCalled();
  });

  it('shows the API field errors beside their fields', async () => {
    fetch.mockResolvedValueOnce(json(400, { error: { code: 'validation_failed', message: 'invalid', details: { issues: [{ path: 'body.cardNumber', message: 'not a valid card number' }] } } }));
    renderCheckout();
    const user = await fillIn('4242 4242 4242 4241');
    await user.click(screen.getByRole('button', { name: 'Place order' }));
    const field = screen.getByLabelText('Card number');
    await waitFor(() => expect(field).toHaveAttribute('aria-invalid', 'true'));
    expect(field).toHaveAccessibleDescription('not a valid card number');
    expect(fetch).toHaveBeenCalledTimes(1); // no order placed
  });

  it('retries with the same card token and the same Idempotency-Key, so a lost answer never places two orders', async () => {
    fetch
      .mockResolvedValueOnce(json(201, { paymentMethodId: 'pm_abcdef123456', brand: 'visa', last4: '4242' }))
      .mockRejectedValueOnce(new TypeError('network down'))
      .mockResolvedValueOnce(json(202, { orderId: 'o-1', status: 'PENDING', accessToken: 'secret' }));
    renderCheckout();
    const user = await fillIn();
    await user.click(screen.getByRole('button', { name: 'Place order' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('cannot be reached');

    await user.click(screen.getByRole('button', { name: 'Place order' }));
    expect(await screen.findByText('order page')).toBeInTheDocument();

    const orderCalls = fetch.mock.calls.filter(([url]) => url === '/api/orders');
    expect(orderCalls).toHaveLength(2);
    const [first, second] = orderCalls.map(([, init]) => init as RequestInit);
    expect((first!.headers as Record<string, string>)['Idempotency-Key']).toBe((second!.headers as Record<string, string>)['Idempotency-Key']);
    expect(first!.body).toBe(second!.body);
    expect(JSON.parse(String(first!.body))).toEqual({
      customer: { name: 'Ada Lovelace', email: 'ada@example.com' },
      items: [{ bookId: 'b1', quantity: 2 }],
      paymentMethodId: 'pm_abcdef123456',
    });
    expect(fetch.mock.calls.filter(([url]) => url === '/api/payments/methods')).toHaveLength(1);
    // The order is remembered for "My orders" and the cart is emptied.
    expect(JSON.parse(localStorage.getItem('bookstore.orders')!)).toEqual([expect.objectContaining({ orderId: 'o-1', accessToken: 'secret' })]);
    expect(JSON.parse(localStorage.getItem('bookstore.cart')!)).toEqual([]);
  });

  it('sends one order for a double click', async () => {
    let answer!: (response: Response) => void;
    fetch
      .mockResolvedValueOnce(json(201, { paymentMethodId: 'pm_abcdef123456', brand: 'visa', last4: '4242' }))
      .mockImplementationOnce(() => new Promise<Response>((resolve) => (answer = resolve)));
    renderCheckout();
    const user = await fillIn();
    const button = screen.getByRole('button', { name: 'Place order' });
    await user.dblClick(button);
    await waitFor(() => expect(fetch).toHaveBeenCalledTimes(2));
    expect(screen.getByRole('button', { name: 'Placing order…' })).toBeDisabled();
    answer(json(202, { orderId: 'o-2', status: 'PENDING', accessToken: 't' }));
    expect(await screen.findByText('order page')).toBeInTheDocument();
    expect(fetch.mock.calls.filter(([url]) => url === '/api/orders')).toHaveLength(1);
  });
});
