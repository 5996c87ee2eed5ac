import { useState } from "react";
import { NewPanel } from "../../components/ChangePanel";
import { RequestActions } from "../../components/RequestActions";
import { buildKey, keyDraftOf } from "./keyDraft";
import { KeyEditor } from "./KeyEditor";

interface NewServiceUserPanelProps {
  withdrawBadge: string;
  onClose: () => void;
  onSubmitted: () => void;
  onOpenRequest: (id: string) => void;
}

/**
 * Create a service user: its name and its key's scopes and settings, previewed as the Manage
 * Access request it is. Once completed, its initiator reveals the key once, from the request.
 */
export function NewServiceUserPanel({ withdrawBadge, onClose, onSubmitted, onOpenRequest }: NewServiceUserPanelProps) {
  const [name, setName] = useState("");
  const [draft, setDraft] = useState(() => keyDraftOf(undefined));
  const built = buildKey(draft);
  const problem = name.trim() === "" ? "Name: enter the service user's name." : built.problem;
  return (
    <NewPanel testId="new-service-user" title="New service user" onClose={onClose}>
      <p className="muted">
        An API-only operator with one key. Creating it is a Manage Access request: it follows that workflow's policy, and the
        key is shown once, to you, when it completes.
      </p>
      <label className="field">
        <span>Name</span>
        <input data-testid="new-service-user-name" placeholder="e.g. hedge-bot" value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <KeyEditor draft={draft} onChange={setDraft} withdrawBadge={withdrawBadge} idPrefix="new-key" />
      <RequestActions
        payload={problem === undefined && built.key ? { kind: "create_service_user", name: name.trim(), key: built.key } : undefined}
        problem={problem}
        testPrefix="new-service-user"
        previewTitle="Preview of the Manage Access request"
        onSubmitted={onSubmitted}
        onOpenRequest={onOpenRequest}
      />
    </NewPanel>
  );
}
