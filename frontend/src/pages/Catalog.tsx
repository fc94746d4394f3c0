import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, type Book } from '../api';
import { Availability } from '../components/Availability';
import { Cover } from '../components/Cover';
import { Loading, Problem } from '../components/Feedback';
import { formatMoney } from '../money';
import { useStores } from '../stores';
import { usePageMeta } from '../page-meta';

const pageSize = 12;
const searchDelayMs = 250;

export function Catalog() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [typed, setTyped] = useState(q);

  // Search as you type, but only once typing pauses; the query lives in the URL so it survives a reload.
  useEffect(() => {
    if (typed.trim() === q) return;
    const timer = setTimeout(() => setParams(typed.trim() ? { q: typed.trim() } : {}, { replace: true }), searchDelayMs);
    return () => clearTimeout(timer);
  }, [typed, q, setParams]);

  usePageMeta(q ? `Books matching “${q}”` : 'Books', 'Browse the Bookstore\'s books: search by title or author, see prices and stock, and add them to your cart.');
  const books = useQuery({ queryKey: ['books', q, page], queryFn: () => api.searchBooks({ q, page, pageSize }), placeholderData: keepPreviousData });
  const pages = books.data ? Math.max(1, Math.ceil(books.data.total / pageSize)) : 1;
  const goTo = (target: number) => setParams({ ...(q ? { q } : {}), page: String(target) });
  // A page past the end (an old link, fewer results now) shows the last page instead of nothing.
  useEffect(() => {
    if (books.data && page > pages) setParams({ ...(q ? { q } : {}), page: String(pages) }, { replace: true });
  }, [books.data, page, pages, q, setParams]);

  return (
    <section aria-labelledby="catalog-heading">
      <h1 id="catalog-heading" tabIndex={-1}>Books</h1>
      <div className="search">
        <label htmlFor="search">Search books</label>
        <input id="search" type="search" placeholder="Title or author" value={typed} onChange={(event) => setTyped(event.target.value)} autoComplete="off" />
      </div>
      {books.isPending && <Loading what="books" />}
      {books.isError && <Problem error={books.error} retry={() => books.refetch()} />}
      {books.data && (
        <>
          <p className="result-count" aria-live="polite">
            {books.data.total === 0 ? `No books match “${q}”.` : `${books.data.total} ${books.data.total === 1 ? 'book' : 'books'}${q ? ` for “${q}”` : ''}`}
          </p>
          <ul className="book-grid">
            {books.data.items.map((book) => (
              <li key={book.id}>
                <BookCard book={book} />
              </li>
            ))}
          </ul>
          {pages > 1 && (
            <nav className="pagination" aria-label="Pages">
              <button type="button" onClick={() => goTo(page - 1)} disabled={page <= 1}>Previous</button>
              <span>Page {page} of {pages}</span>
              <button type="button" onClick={() => goTo(page + 1)} disabled={page >= pages}>Next</button>
            </nav>
          )}
        </>
      )}
    </section>
  );
}

function BookCard({ book }: { book: Book }) {
  const { add } = useStores();
  return (
    <article className="book-card" aria-label={book.title}>
      <Link to={`/books/${book.id}`} className="book-link">
        <Cover title={book.title} author={book.author} />
        <h2>{book.title}</h2>
      </Link>
      <p className="author">{book.author}</p>
      <p className="price-line">
        <span className="price">{formatMoney(book.priceCents, book.currency)}</span>
        <Availability stock={book.stock} />
      </p>
      <button type="button" onClick={() => add(book)} disabled={book.stock <= 0}>
        Add to cart
      </button>
    </article>
  );
}
