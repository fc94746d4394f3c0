/**
 * The shapes of Catalog's HTTP answers: the contract its clients (the web app among them) build on.
 * Types only, with no runtime imports, so the frontend can share them without pulling in the service.
 */
export interface BookView {
  id: string;
  isbn: string;
  title: string;
  author: string;
  description: string;
  priceCents: number;
  currency: string;
  stock: number;
}

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}
