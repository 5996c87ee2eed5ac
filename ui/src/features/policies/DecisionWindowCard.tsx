import { useState } from "react";
import type { OrgView } from "../../bindings/OrgView";
import { ChangePanel } from "../../components/ChangePanel";
import { RequestActions } from "../../components/RequestActions";
import { windowWords } from "../../lib/org";
import { MAX_WINDOW_SECONDS } from "../requests/draft";

interface DecisionWindowCardProps {
  org: OrgView;
  /** Why the member may not change it (no Initiate or Execute on Manage Policies). */
  blocked: string | null;
  onSubmitted: () => void;
  onOpenRequest: (id: string) => void;
}

/**
 * The Organization's decision window: how long one step-up code lets a member decide without
 * another. Changed like a policy, through a Manage Policies request.
 */
export function DecisionWindowCard({ org, blocked, onSubmitted, onOpenRequest }: DecisionWindowCardProps) {
  const current = org.settings.decision_window_seconds;
  const [text, setText] = useState(String(current));
  const seconds = Number(text.trim());
  const valid = text.trim() !== "" && Number.isInteger(seconds) && seconds >= 0 && seconds <= MAX_WINDOW_SECONDS;
  return (
    <section className="card" data-testid="decision-window-card" aria-labelledby="decision-window-title">
      <header className="card-head">
        <h2 id="decision-window-title">Decision window</h2>
      </header>
      <p className="policy-line" data-testid="decision-window">
        {current === 0 ? (
          "Off: every decision needs its own code."
        ) : (
          <>
            One code lets a member decide for <strong>{windowWords(current)}</strong>.
          </>
        )}
      </p>
      <p className="muted">
        Unlocking the app opens the same window. Each decision in it is still signed by the member&apos;s device and journaled
        with the code it rests on.
      </p>
      <ChangePanel
        testId="decision-window-change"
        openLabel="Change the window…"
        title="Change the decision window"
        blocked={blocked}
        hint="a Manage Policies request, under its policy"
      >
        <label className="field">
          <span>Seconds (0 to {MAX_WINDOW_SECONDS}; 0: a code per decision)</span>
          <input
            type="number"
            inputMode="numeric"
            min={0}
            max={MAX_WINDOW_SECONDS}
            data-testid="decision-window-seconds"
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        </label>
        <RequestActions
          payload={valid && seconds !== current ? { kind: "set_decision_window", seconds } : undefined}
          problem={valid ? undefined : `Enter a whole number of seconds from 0 to ${MAX_WINDOW_SECONDS}.`}
          idle={valid && seconds === current ? `The window is already ${windowWords(current)}.` : undefined}
          testPrefix="decision-window"
          previewTitle="Preview of the Manage Policies request"
          onSubmitted={onSubmitted}
          onOpenRequest={onOpenRequest}
        />
      </ChangePanel>
    </section>
  );
}
