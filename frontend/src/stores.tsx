import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Book } from './api';

/** State that survives reloads: the cart and the orders placed from this browser live in localStorage. */
function usePersistent<T>(key: string, initial: T): [T, (update: (current: T) => T) => void] {
  const [value, setValue] = useState<T>(() => {
    try {
      const stored = localStorage.getItem(key);
      return stored ? (JSON.parse(stored) as T) : initial;
    } catch {
      return initial;
    }
  });
  useEffect(() => {
    localStorage.setItem(key, JSON.stringify(value));
  }, [key, value]);
  const update = useCallback((change: (current: T) => T) => setValue(change), []);
  return [value, update];
}

export interface CartLine {
  bookId: string;
  title: string;
  author: string;
  priceCents: number;
  currency: string;
  quantity: number;
}

export interface PlacedOrder {
  orderId: string;
  accessToken: string;
  placedAt: string;
  /** What was in the cart, so a cancelled order's books can go back into it. */
  lines?: CartLine[];
}

/** The most copies of one book an order may hold (the Orders API refuses more). */
export const maxQuantity = 100;

interface Stores {
  cart: CartLine[];
  add(book: Book): void;
  setQuantity(bookId: string, quantity: number): void;
  remove(bookId: string): void;
  clear(): void;
  restore(lines: CartLine[]): void;
  orders: PlacedOrder[];
  remember(order: PlacedOrder): void;
}

const StoresContext = createContext<Stores | undefined>(undefined);

export function StoresProvider({ children }: { children: ReactNode }) {
  const [cart, setCart] = usePersistent<CartLine[]>('bookstore.cart', []);
  const [orders, setOrders] = usePersistent<PlacedOrder[]>('bookstore.orders', []);
  const stores = useMemo<Stores>(
    () => ({
      cart,
      add: (book) =>
        setCart((lines) =>
          lines.some((line) => line.bookId === book.id)
            ? lines.map((line) => (line.bookId === book.id ? { ...line, quantity: Math.min(line.quantity + 1, maxQuantity) } : line))
            : [...lines, { bookId: book.id, title: book.title, author: book.author, priceCents: book.priceCents, currency: book.currency, quantity: 1 }],
        ),
      setQuantity: (bookId, quantity) =>
        setCart((lines) => lines.map((line) => (line.bookId === bookId ? { ...line, quantity: Math.max(1, Math.min(quantity, maxQuantity)) } : line))),
      remove: (bookId) => setCart((lines) => lines.filter((line) => line.bookId !== bookId)),
      clear: () => setCart(() => []),
      restore: (restored) =>
        setCart((lines) => [...lines, ...restored.filter(({ bookId }) => !lines.some((line) => line.bookId === bookId))]),
      orders,
      remember: (order) => setOrders((known) => [order, ...known.filter(({ orderId }) => orderId !== order.orderId)]),
    }),
    [cart, orders, setCart, setOrders],
  );
  return <StoresContext.Provider value={stores}>{children}</StoresContext.Provider>;
}

export function useStores(): Stores {
  const stores = useContext(StoresContext);
  if (!stores) throw new Error('useStores needs a StoresProvider');
  return stores;
}

/** Cart totals per currency (the catalog has one, but nothing here assumes it). */
export function cartTotals(lines: CartLine[]): { currency: string; cents: number }[] {
  const totals = new Map<string, number>();
  for (const { currency, priceCents, quantity } of lines) totals.set(currency, (totals.get(currency) ?? 0) + priceCents * quantity);
  return [...totals].map(([currency, cents]) => ({ currency, cents }));
}
