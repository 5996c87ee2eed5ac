import type { ReactNode } from "react";
import type { HostError } from "../platform";

/** A failure in place, saying what happened and offering to try again (and `children`: other ways on). */
export function ErrorState({ title, error, onRetry, children }: { title: string; error: HostError; onRetry: () => void; children?: ReactNode }) {
  return (
    <div className="error-state" role="alert" data-code={error.code}>
      <p className="error-title">{title}</p>
      <p>{error.message}</p>
      <button type="button" onClick={onRetry}>
        Retry
      </button>
      {children}
    </div>
  );
}
