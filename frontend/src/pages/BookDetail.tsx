import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api } from '../api';
import { Availability } from '../components/Availability';
import { Cover } from '../components/Cover';
import { Loading, Problem } from '../components/Feedback';
import { formatMoney } from '../money';
import { useStores } from '../stores';
import { usePageMeta } from '../page-meta';

export function BookDetail() {
  const { id = '' } = useParams();
  const book = useQuery({ queryKey: ['book', id], queryFn: () => api.book(id) });
  const { add } = useStores();
  usePageMeta(book.data ? `${book.data.title} by ${book.data.author}` : 'Book', book.data ? `${book.data.title} by ${book.data.author}: ${book.data.description}`.slice(0, 300) : undefined);

  if (book.isPending) return <Loading what="the book" />;
  if (book.isError) return <Problem error={book.error} retry={() => book.refetch()} />;
  const { title, author, description, priceCents, currency, stock, isbn } = book.data;
  return (
    <article className="book-detail" aria-labelledby="book-heading">
      <Cover title={title} author={author} size="large" />
      <div>
        <h1 id="book-heading" tabIndex={-1}>{title}</h1>
        <p className="author">by {author}</p>
        <p>{description}</p>
        <p className="price-line">
          <span className="price">{formatMoney(priceCents, currency)}</span>
          <Availability stock={stock} />
        </p>
        <p className="isbn">ISBN {isbn}</p>
        <button type="button" onClick={() => add(book.data)} disabled={stock <= 0}>Add to cart</button>{' '}
        <Link to="/">Back to all books</Link>
      </div>
    </article>
  );
}
