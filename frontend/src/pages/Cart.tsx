import { usePageMeta } from '../page-meta';
import { useState } from 'react';
import { Link } from 'react-router';
import { formatMoney } from '../money';
import { cartTotals, maxQuantity, useStores, type CartLine } from '../stores';

export function Cart() {
  const { cart, setQuantity, remove } = useStores();
  usePageMeta('Your cart', 'The books in your cart, their quantities and the total, before you check out.');
  if (cart.length === 0) {
    return (
      <section aria-labelledby="cart-heading">
        <h1 id="cart-heading" tabIndex={-1}>Your cart</h1>
        <p>Your cart is empty. <Link to="/">Find a book</Link>.</p>
      </section>
    );
  }
  return (
    <section aria-labelledby="cart-heading">
      <h1 id="cart-heading" tabIndex={-1}>Your cart</h1>
      <table className="cart">
        <thead>
          <tr><th scope="col">Book</th><th scope="col">Price</th><th scope="col">Quantity</th><th scope="col">Subtotal</th><th scope="col"><span className="visually-hidden">Remove</span></th></tr>
        </thead>
        <tbody>
          {cart.map((line) => (
            <tr key={line.bookId}>
              <th scope="row"><Link to={`/books/${line.bookId}`}>{line.title}</Link><span className="author"> {line.author}</span></th>
              <td>{formatMoney(line.priceCents, line.currency)}</td>
              <td><Quantity line={line} onChange={(quantity) => setQuantity(line.bookId, quantity)} /></td>
              <td>{formatMoney(line.priceCents * line.quantity, line.currency)}</td>
              <td><button type="button" className="link-button" onClick={() => remove(line.bookId)} aria-label={`Remove ${line.title}`}>Remove</button></td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          {cartTotals(cart).map(({ currency, cents }) => (
            <tr key={currency}><th scope="row" colSpan={3}>Total</th><td className="total">{formatMoney(cents, currency)}</td><td /></tr>
          ))}
        </tfoot>
      </table>
      <p className="actions"><Link className="button" to="/checkout">Checkout</Link></p>
    </section>
  );
}

/** The field may be empty while the shopper types; the cart takes a quantity only when it is a whole number. */
function Quantity({ line, onChange }: { line: CartLine; onChange: (quantity: number) => void }) {
  const [draft, setDraft] = useState(String(line.quantity));
  return (
    <>
      <label className="visually-hidden" htmlFor={`quantity-${line.bookId}`}>Quantity of {line.title}</label>
      <input
        id={`quantity-${line.bookId}`}
        type="number"
        min={1}
        max={maxQuantity}
        value={draft}
        onChange={(event) => {
          setDraft(event.target.value);
          const quantity = Number(event.target.value);
          if (event.target.value !== '' && Number.isInteger(quantity) && quantity >= 1) onChange(quantity);
        }}
        onBlur={() => setDraft(String(line.quantity))}
      />
    </>
  );
}
