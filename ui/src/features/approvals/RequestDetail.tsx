import { useId, useState } from "react";
import type { RevealedKey } from "../../bindings/RevealedKey";
import { DecisionList } from "./DecisionList";
import type { RequestView } from "../../bindings/RequestView";
import { ActorName } from "../../components/ActorName";
import { Timestamp } from "../../components/Timestamp";
import { useSession } from "../../lib/contexts";
import { KIND_LABELS, plural, policySentence, WORKFLOW_LABELS } from "../../lib/org";
import { formatAge } from "../../lib/time";
import { DecisionPrompt, type RequestAction } from "./DecisionPrompt";
import { ChangeList } from "../../components/ChangeList";
import { PayloadBody, PayloadFacts } from "./PayloadDetail";
import { StatusTag } from "./StatusTag";
import { RevealPanel } from "./RevealPanel";
import { RiskFlags } from "./RiskFlags";
import { SettlementPanel } from "./SettlementPanel";
import { FundsFacts } from "./FundsFacts";
import { DestinationFact } from "./DestinationFact";
import { WhyWaiting } from "./WhyWaiting";

interface RequestDetailProps {
  request: RequestView;
  now: number;
  /** The action whose code prompt is open for this request, if any. */
  prompt: RequestAction | null;
  onPrompt: (action: RequestAction | null) => void;
  onDone: (updated: RequestView, action: RequestAction) => void;
}

export function RequestDetail({ request, now, prompt, onPrompt, onDone }: RequestDetailProps) {
  const { viewer } = request;
  const session = useSession();
  const pending = request.status === "pending";
  const missing = request.required_approvals - request.approvals;
  const mine = request.initiator.kind === "member" && request.initiator.id === session?.member.id;
  const eligibilityId = useId();
  // A key revealed here stays on screen (for copying or storing) after the request stops
  // offering it; it belongs to this request only.
  const [revealedFor, setRevealedFor] = useState<{ id: string; key: RevealedKey } | null>(null);
  const revealed = revealedFor?.id === request.id ? revealedFor.key : null;

  return (
    <article className="detail" aria-label={`Request ${request.id}`}>
      <h2 className="summary">{request.summary}</h2>
      <p className="detail-meta">
        <span>{request.id}</span>
        <span>{WORKFLOW_LABELS[request.workflow]}</span>
        <span>{KIND_LABELS[request.payload.kind]}</span>
        <StatusTag status={request.status} />
        {request.policy_changed && <span className="badge badge-warn">policy changed</span>}
      </p>

      <dl className="facts">
        <PayloadFacts payload={request.payload} />
        <FundsFacts request={request} />
        <DestinationFact request={request} now={now} />
        <div className="fact">
          <dt>Initiator</dt>
          <dd>
            <ActorName actor={request.initiator} />
          </dd>
        </div>
        {request.initiator_key_holder !== undefined && (
          <div className="fact" data-testid="initiator-key-holder">
            <dt>Key held by</dt>
            <dd>
              <ActorName actor={request.initiator_key_holder} />{" "}
              <span className="muted">(received its secret, so counts as the initiator and cannot approve)</span>
            </dd>
          </div>
        )}
        {request.reason !== undefined && (
          <div className="fact">
            <dt>Why</dt>
            <dd data-testid="initiator-reason">“{request.reason}”</dd>
          </div>
        )}
        <div className="fact">
          <dt>Created</dt>
          <dd>
            <Timestamp at={request.created_at} /> <span className="muted">({formatAge(request.created_at, now)} ago)</span>
          </dd>
        </div>
        {!pending && (
          <div className="fact">
            <dt>{request.status === "completed" ? "Completed" : "Closed"}</dt>
            <dd>
              <Timestamp at={request.updated_at} />
            </dd>
          </div>
        )}
        <div className="fact">
          <dt>Approvals</dt>
          <dd className="num-inline">
            {request.policy === null && request.required_approvals === 0
              ? "None required"
              : `${request.approvals} / ${request.required_approvals} required`}
          </dd>
        </div>
        {!pending && (
          <div className="fact">
            <dt>Policy</dt>
            <dd>{policySentence(request.workflow, request.policy)} (as submitted)</dd>
          </div>
        )}
      </dl>

      {pending && <RiskFlags request={request} />}
      {pending && <ChangeList changes={request.changes} title="What it changes, against the Organization now" />}
      <PayloadBody payload={request.payload} />

      {pending ? (
        <WhyWaiting request={request} now={now} />
      ) : (
        <>
          <h3>Decisions</h3>
          {request.decisions.length === 0 ? (
            <p className="muted">
              {request.status === "completed" && request.approvals === 0
                ? "It completed without approvals."
                : `No one decided: it was ${request.status}.`}
            </p>
          ) : (
            <DecisionList decisions={request.decisions} now={now} />
          )}
        </>
      )}

      <SettlementPanel request={request} />

      {(request.key_to_reveal || revealed !== null) && (
        <RevealPanel request={request} revealed={revealed} onRevealed={(key) => setRevealedFor({ id: request.id, key })} />
      )}

      {pending && (
        <>
          <p id={eligibilityId} className={viewer.can_decide ? "eligibility eligible" : "eligibility"}>
            {!viewer.can_decide
              ? (viewer.why_not ?? "You cannot decide on this request.")
              : viewer.approve_blocked !== undefined
                ? "You may reject this request; approving it is refused."
                : `You may approve or reject this request; ${missing > 0 ? `${plural(missing, "more approval")} needed.` : "it is ready to complete."}`}
          </p>
          {viewer.approve_blocked !== undefined && (
            <p id={`${eligibilityId}-stop`} className="eligibility stop-callout" data-testid="approve-blocked">
              {viewer.approve_blocked}. It may still be rejected.
            </p>
          )}
          <div className="actions">
            <button
              type="button"
              className="primary"
              data-testid="approve"
              disabled={!viewer.can_decide || viewer.approve_blocked !== undefined}
              aria-describedby={
                !viewer.can_decide ? eligibilityId : viewer.approve_blocked !== undefined ? `${eligibilityId}-stop` : undefined
              }
              aria-keyshortcuts="a"
              aria-expanded={prompt === "approve"}
              onClick={() => onPrompt("approve")}
            >
              Approve <kbd>a</kbd>
            </button>
            <button
              type="button"
              data-testid="reject"
              disabled={!viewer.can_decide}
              aria-describedby={viewer.can_decide ? undefined : eligibilityId}
              aria-keyshortcuts="r"
              aria-expanded={prompt === "reject"}
              onClick={() => onPrompt("reject")}
            >
              Reject <kbd>r</kbd>
            </button>
            {mine && (
              <button
                type="button"
                className="push-right"
                data-testid="cancel-request"
                aria-expanded={prompt === "cancel"}
                title="Withdraw your own pending request; it can never complete afterwards"
                onClick={() => onPrompt("cancel")}
              >
                Cancel request
              </button>
            )}
          </div>
          {prompt && (
            <DecisionPrompt key={prompt} request={request} action={prompt} onCancel={() => onPrompt(null)} onDone={onDone} />
          )}
        </>
      )}
    </article>
  );
}
