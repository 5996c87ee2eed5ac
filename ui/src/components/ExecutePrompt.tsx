import { useDecisionWindow } from "../lib/useDecisionWindow";
import { CodePrompt } from "./CodePrompt";

interface ExecutePromptProps {
  /** Asked to execute (true), or completing at once because no policy queues it (false). */
  execute: boolean;
  /** Sends the submission: with the code typed, or `null` through the open decision window. */
  onSubmit: (otp: string | null) => Promise<void>;
  onCancel: () => void;
}

/**
 * The step-up for a request that completes at once: Execute, asked for or because its workflow
 * has no policy that queues it. Like any decision it needs the member's code, or the decision
 * window they hold; the device signs it either way.
 */
export function ExecutePrompt({ execute, onSubmit, onCancel }: ExecutePromptProps) {
  const { secondsLeft, refresh } = useDecisionWindow();
  return (
    <CodePrompt
      title={
        execute
          ? "Execute at once: enter the 6-digit code from your authenticator"
          : "It completes at once, which is Execute: enter the 6-digit code from your authenticator"
      }
      label={execute ? "Execute with your 2FA code" : "Complete at once with your 2FA code"}
      submitLabel={execute ? "Submit and execute" : "Submit and complete"}
      onSubmit={async (otp) => {
        await onSubmit(otp);
        refresh();
      }}
      onCancel={onCancel}
      windowLeft={secondsLeft}
      onSubmitInWindow={() => onSubmit(null)}
    />
  );
}
