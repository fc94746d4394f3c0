import { useEffect } from 'react';

export const siteName = 'Bookstore';
export const defaultDescription = 'Bookstore: browse books, order, and follow your order as it is confirmed.';

/**
 * Sets the document's title and meta description for the page being shown (each route its own, for the
 * browser's tabs and history, screen readers and search engines). `title` undefined keeps the site's name.
 */
export function usePageMeta(title: string | undefined, description: string = defaultDescription): void {
  useEffect(() => {
    document.title = title ? `${title} · ${siteName}` : siteName;
    let meta = document.querySelector<HTMLMetaElement>('meta[name="description"]');
    if (!meta) {
      meta = document.createElement('meta');
      meta.name = 'description';
      document.head.append(meta);
    }
    meta.content = description;
  }, [title, description]);
}
