const formats = new Map<string, Intl.NumberFormat>();

/** 1250 cents in EUR → "€12.50", in the reader's own locale. */
export function formatMoney(cents: number, currency: string): string {
  let format = formats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    formats.set(currency, format);
  }
  return format.format(cents / 100);
}

export function availability(stock: number): { label: string; tone: 'ok' | 'low' | 'out' } {
  if (stock <= 0) return { label: 'Sold out', tone: 'out' };
  if (stock <= 3) return { label: `Only ${stock} left`, tone: 'low' };
  return { label: 'In stock', tone: 'ok' };
}
