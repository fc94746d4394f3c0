import { lazy, Suspense, useEffect, useRef } from 'react';
import { Link, NavLink, Route, Routes, useLocation } from 'react-router';
import { Loading } from './components/Feedback';
import { usePageMeta } from './page-meta';
import { BookDetail } from './pages/BookDetail';
import { Catalog } from './pages/Catalog';
import { useStores } from './stores';

// A shopper lands on the catalog or a book: those two are in the first bundle. The rest (the cart, checkout,
// orders and admin code) loads when its route is first shown.
const Admin = lazy(() => import('./pages/Admin').then(({ Admin }) => ({ default: Admin })));
const Cart = lazy(() => import('./pages/Cart').then(({ Cart }) => ({ default: Cart })));
const Checkout = lazy(() => import('./pages/Checkout').then(({ Checkout }) => ({ default: Checkout })));
const MyOrders = lazy(() => import('./pages/MyOrders').then(({ MyOrders }) => ({ default: MyOrders })));
const OrderStatus = lazy(() => import('./pages/OrderStatus').then(({ OrderStatus }) => ({ default: OrderStatus })));

function NotFound() {
  usePageMeta('Page not found');
  return <section><h1 tabIndex={-1}>Page not found</h1><p><Link to="/">Back to the books</Link></p></section>;
}

export function App() {
  const { cart } = useStores();
  const { pathname } = useLocation();
  const count = cart.reduce((sum, line) => sum + line.quantity, 0);

  // After a navigation (not on the first load), move focus to the new page's heading, so keyboard and
  // screen-reader users land on it; pages that load first get theirs a moment later, so keep looking briefly.
  const navigated = useRef(false);
  useEffect(() => {
    if (!navigated.current) {
      navigated.current = true;
      return;
    }
    let frames = 0;
    let handle = 0;
    const focusHeading = () => {
      const heading = document.querySelector<HTMLElement>('main h1');
      if (heading) heading.focus();
      else if (frames++ < 60) handle = requestAnimationFrame(focusHeading);
    };
    focusHeading();
    return () => cancelAnimationFrame(handle);
  }, [pathname]);

  return (
    <>
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="site-header">
        <Link to="/" className="brand">Bookstore</Link>
        <nav aria-label="Main">
          <NavLink to="/" end>Books</NavLink>
          <NavLink to="/orders">My orders</NavLink>
          <NavLink to="/cart">{`Cart (${count})`}</NavLink>
          <NavLink to="/admin">Admin</NavLink>
        </nav>
      </header>
      <main id="main">
        <Suspense fallback={<Loading what="the page" />}>
        <Routes>
          <Route path="/" element={<Catalog />} />
          <Route path="/books/:id" element={<BookDetail />} />
          <Route path="/cart" element={<Cart />} />
          <Route path="/checkout" element={<Checkout />} />
          <Route path="/orders" element={<MyOrders />} />
          <Route path="/orders/:id" element={<OrderStatus />} />
          <Route path="/admin" element={<Admin />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
        </Suspense>
      </main>
    </>
  );
}
