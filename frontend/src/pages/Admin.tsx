import { usePageMeta } from '../page-meta';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type Book } from '../api';
import { Loading, Problem } from '../components/Feedback';
import { formatMoney } from '../money';

const tokenKey = 'bookstore.adminToken';

/** Stock and prices. The admin token is asked for once and kept for this browser session only. */
export function Admin() {
  usePageMeta('Admin', 'Manage the catalog: add books and restock them.');
  const [token, setToken] = useState(() => sessionStorage.getItem(tokenKey) ?? '');
  const [draft, setDraft] = useState('');
  const books = useQuery({ queryKey: ['books', '', 1, 'admin'], queryFn: () => api.searchBooks({ pageSize: 100 }), enabled: token !== '' });

  if (!token) {
    const enter = (event: FormEvent) => {
      event.preventDefault();
      sessionStorage.setItem(tokenKey, draft.trim());
      setToken(draft.trim());
    };
    return (
      <section aria-labelledby="admin-heading">
        <h1 id="admin-heading" tabIndex={-1}>Admin</h1>
        <form onSubmit={enter} className="checkout">
          <div className="field">
            <label htmlFor="admin-token">Admin token</label>
            <input id="admin-token" type="password" value={draft} onChange={(event) => setDraft(event.target.value)} autoComplete="off" required />
            <p className="hint">`npm start` prints it; in AWS it is in Secrets Manager.</p>
          </div>
          <button type="submit">Sign in</button>
        </form>
      </section>
    );
  }
  const signOut = () => {
    sessionStorage.removeItem(tokenKey);
    setToken('');
  };
  return (
    <section aria-labelledby="admin-heading">
      <h1 id="admin-heading" tabIndex={-1}>Admin</h1>
      <p><button type="button" className="link-button" onClick={signOut}>Sign out</button></p>
      {books.isPending && <Loading what="stock" />}
      {books.isError && <Problem error={books.error} retry={() => books.refetch()} />}
      {books.data && (
        <table className="admin">
          <thead><tr><th scope="col">Book</th><th scope="col">Stock</th><th scope="col">Restock</th><th scope="col">Price</th></tr></thead>
          <tbody>{books.data.items.map((book) => <AdminRow key={book.id} book={book} token={token} onUnauthorized={signOut} />)}</tbody>
        </table>
      )}
    </section>
  );
}

function AdminRow({ book, token, onUnauthorized }: { book: Book; token: string; onUnauthorized: () => void }) {
  const client = useQueryClient();
  const [quantity, setQuantity] = useState('10');
  const [price, setPrice] = useState((book.priceCents / 100).toFixed(2));
  const done = () => client.invalidateQueries({ queryKey: ['books'] });
  const failed = (error: unknown) => {
    if (error instanceof Error && 'status' in error && (error.status === 401 || error.status === 403)) onUnauthorized();
  };
  const restock = useMutation<Book, Error>({ mutationFn: () => api.restock(book.id, Number(quantity), token), onSuccess: done, onError: failed });
  const reprice = useMutation<Book, Error>({ mutationFn: () => api.changePrice(book.id, Math.round(Number(price) * 100), token), onSuccess: done, onError: failed });
  const error = restock.error ?? reprice.error;
  return (
    <tr>
      <th scope="row">{book.title}{error && <span className="field-error" role="alert"> {error.message}</span>}</th>
      <td>{book.stock}</td>
      <td>
        <form className="inline" onSubmit={(event) => { event.preventDefault(); restock.mutate(); }}>
          <label className="visually-hidden" htmlFor={`restock-${book.id}`}>Copies to add to {book.title}</label>
          <input id={`restock-${book.id}`} type="number" min={1} value={quantity} onChange={(event) => setQuantity(event.target.value)} />
          <button type="submit" disabled={restock.isPending}>Restock</button>
        </form>
      </td>
      <td>
        <form className="inline" onSubmit={(event) => { event.preventDefault(); reprice.mutate(); }}>
          <label className="visually-hidden" htmlFor={`price-${book.id}`}>Price of {book.title}</label>
          <input id={`price-${book.id}`} type="number" min={0} step="0.01" value={price} onChange={(event) => setPrice(event.target.value)} />
          <button type="submit" disabled={reprice.isPending}>Change price</button>
          <span className="hint"> now {formatMoney(book.priceCents, book.currency)}</span>
        </form>
      </td>
    </tr>
  );
}
