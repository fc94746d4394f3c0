import { ApiError } from '../api';

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** A failed request, said plainly, with a way to try again. */
export function Problem({ error, retry }: { error: unknown; retry?: () => void }) {
  const message = error instanceof ApiError ? error.message : 'Something went wrong.';
  return (
    <div className="problem" role="alert">
      <p>{message}</p>
      {retry && !(error instanceof ApiError && error.status === 404) && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}
