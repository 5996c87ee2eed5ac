import type { HostError } from "../platform";

/** A failure in place, saying what happened and offering to try again. */
export function ErrorState({ title, error, onRetry }: { title: string; error: HostError; onRetry: () => void }) {
  return (
    <div className="error-state" role="alert" data-code={error.code}>
      <p className="error-title">{title}</p>
      <p>{error.message}</p>
      <button type="button" onClick={onRetry}>
        Retry
      </button>
    </div>
  );
}
