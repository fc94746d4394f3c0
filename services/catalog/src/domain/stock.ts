// A type alias, not an interface: Prisma's JSON input type accepts only types with an implicit index signature.
export type StockLine = { bookId: string; quantity: number };

export interface ShortLine {
  bookId: string;
  requested: number;
  available: number;
}

/** Adds up the quantities of lines that name the same book, in a stable order (which is also the lock order). */
export function mergeLines(lines: readonly StockLine[]): StockLine[] {
  const totals = new Map<string, number>();
  for (const { bookId, quantity } of lines) totals.set(bookId, (totals.get(bookId) ?? 0) + quantity);
  return [...totals].sort(([a], [b]) => a.localeCompare(b)).map(([bookId, quantity]) => ({ bookId, quantity }));
}

/** The lines that cannot be served from `stock`; a book Catalog does not know has nothing available. */
export function shortLines(wanted: readonly StockLine[], stock: ReadonlyMap<string, number>): ShortLine[] {
  return wanted
    .map(({ bookId, quantity }) => ({ bookId, requested: quantity, available: stock.get(bookId) ?? 0 }))
    .filter(({ requested, available }) => available < requested);
}
