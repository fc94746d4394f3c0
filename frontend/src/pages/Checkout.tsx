import { usePageMeta } from '../page-meta';
import { useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, ApiError } from '../api';
import { Problem } from '../components/Feedback';
import { formatMoney } from '../money';
import { cartTotals, useStores } from '../stores';

type Field = 'name' | 'email' | 'cardNumber' | 'expMonth' | 'expYear' | 'cvc';
const labels: Record<Field, string> = { name: 'Name', email: 'Email', cardNumber: 'Card number', expMonth: 'Expiry month', expYear: 'Expiry year', cvc: 'CVC' };
/** Where the APIs' field paths land in this form (Payments calls the name `holderName`). */
const fieldOf: Record<string, Field> = { holderName: 'name', name: 'name', email: 'email', cardNumber: 'cardNumber', expMonth: 'expMonth', expYear: 'expYear', cvc: 'cvc' };

export function Checkout() {
  usePageMeta('Checkout', 'Pay for the books in your cart and place your order.');
  const { cart, clear, remember } = useStores();
  const navigate = useNavigate();
  const [values, setValues] = useState<Record<Field, string>>({ name: '', email: '', cardNumber: '', expMonth: '', expYear: '', cvc: '' });
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [problem, setProblem] = useState<unknown>();
  const [submitting, setSubmitting] = useState(false);
  // One key per checkout: a double click or a retry after a lost answer gets the same order, never a second one.
  const idempotencyKey = useRef(crypto.randomUUID());
  // The card is tokenized once per set of card details; a retry reuses the token, so the order request is identical.
  const token = useRef<{ card: string; paymentMethodId: string } | undefined>(undefined);

  if (cart.length === 0) {
    return (
      <section aria-labelledby="checkout-heading">
        <h1 id="checkout-heading" tabIndex={-1}>Checkout</h1>
        <p>Your cart is empty. <Link to="/">Find a book</Link>.</p>
      </section>
    );
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (submitting) return;
    const mistakes = checkFields(values);
    setErrors(mistakes);
    setProblem(undefined);
    if (Object.keys(mistakes).length > 0) return;
    setSubmitting(true);
    try {
      const card = { cardNumber: values.cardNumber.replace(/\s/g, ''), expMonth: Number(values.expMonth), expYear: Number(values.expYear), cvc: values.cvc, holderName: values.name };
      const cardKey = JSON.stringify(card);
      if (token.current?.card !== cardKey) token.current = { card: cardKey, paymentMethodId: (await api.registerCard(card)).paymentMethodId };
      const placed = await api.placeOrder(
        { customer: { name: values.name, email: values.email }, items: cart.map(({ bookId, quantity }) => ({ bookId, quantity })), paymentMethodId: token.current.paymentMethodId },
        idempotencyKey.current,
      );
      remember({ orderId: placed.orderId, accessToken: placed.accessToken, placedAt: new Date().toISOString(), lines: cart });
      clear();
      navigate(`/orders/${placed.orderId}`);
    } catch (error) {
      const fields = error instanceof ApiError ? Object.entries(error.fieldErrors()).filter(([key]) => key in fieldOf) : [];
      if (fields.length > 0) setErrors(Object.fromEntries(fields.map(([key, message]) => [fieldOf[key], message])));
      else setProblem(error);
      setSubmitting(false);
    }
  }

  const input = (field: Field, props: Record<string, string | number> = {}) => (
    <div className="field">
      <label htmlFor={field}>{labels[field]}</label>
      <input
        id={field}
        name={field}
        value={values[field]}
        onChange={(event) => setValues({ ...values, [field]: event.target.value })}
        aria-invalid={errors[field] ? true : undefined}
        aria-describedby={errors[field] ? `${field}-error` : undefined}
        required
        {...props}
      />
      {errors[field] && <p id={`${field}-error`} className="field-error">{errors[field]}</p>}
    </div>
  );

  return (
    <section aria-labelledby="checkout-heading">
      <h1 id="checkout-heading" tabIndex={-1}>Checkout</h1>
      <p>
        {plural(cart.reduce((sum, line) => sum + line.quantity, 0), 'book')}, {cartTotals(cart).map(({ cents, currency }) => formatMoney(cents, currency)).join(' + ')}
      </p>
      <form className="checkout" onSubmit={submit} noValidate>
        <fieldset>
          <legend>You</legend>
          {input('name', { autoComplete: 'name' })}
          {input('email', { type: 'email', autoComplete: 'email' })}
        </fieldset>
        <fieldset>
          <legend>Card</legend>
          {input('cardNumber', { inputMode: 'numeric', autoComplete: 'cc-number', placeholder: '4242 4242 4242 4242' })}
          <div className="field-row">
            {input('expMonth', { inputMode: 'numeric', autoComplete: 'cc-exp-month', placeholder: 'MM' })}
            {input('expYear', { inputMode: 'numeric', autoComplete: 'cc-exp-year', placeholder: 'YYYY' })}
            {input('cvc', { inputMode: 'numeric', autoComplete: 'cc-csc' })}
          </div>
          <p className="hint">Test cards: 4242 4242 4242 4242 is approved, 4000 0000 0000 0002 is declined.</p>
        </fieldset>
        {problem !== undefined && <Problem error={problem} />}
        <button type="submit" disabled={submitting}>{submitting ? 'Placing order…' : 'Place order'}</button>
      </form>
    </section>
  );
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** The mistakes a browser can spot without asking the server; the APIs check everything again. */
export function checkFields(values: Record<Field, string>): Partial<Record<Field, string>> {
  const mistakes: Partial<Record<Field, string>> = {};
  for (const field of Object.keys(labels) as Field[]) if (!values[field].trim()) mistakes[field] = `Enter your ${labels[field].toLowerCase()}`;
  if (values.email.trim() && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(values.email.trim())) mistakes.email = 'Enter an email address like ada@example.com';
  if (values.cardNumber.trim() && !/^[\d\s-]{12,23}$/.test(values.cardNumber.trim())) mistakes.cardNumber = 'Enter the 12 to 19 digits on the card';
  const month = Number(values.expMonth);
  if (values.expMonth.trim() && !(Number.isInteger(month) && month >= 1 && month <= 12)) mistakes.expMonth = 'A month from 1 to 12';
  if (values.expYear.trim() && !/^\d{4}$/.test(values.expYear.trim())) mistakes.expYear = 'Four digits, like 2030';
  if (values.cvc.trim() && !/^\d{3,4}$/.test(values.cvc.trim())) mistakes.cvc = '3 or 4 digits';
  return mistakes;
}
