import type { RequestState, SubmitReply } from '../api/api-types.js';
import { statusHref } from '../shared/route.js';
import { StatusBadge } from '../shared/status-badge.js';
import { isSettled, NEXT_STEP } from '../shared/status-text.js';

/** The answer to a submission. `state` is the latest known one: the page polls the request
 * until it settles, so this box turns approved / denied / in review by itself. */
export function RequestResult({
  reply,
  state,
  reason,
  modelTitle,
}: {
  reply: SubmitReply;
  state: RequestState;
  reason: string | undefined;
  modelTitle: string;
}) {
  const waiting = !isSettled(state);
  return (
    <section
      className="result"
      aria-labelledby="result-heading"
      data-testid="request-result"
      data-state={state}
    >
      <h2 id="result-heading" className="result-title">
        Request received
      </h2>
      <p className="result-message">{reply.message}</p>
      <p className="result-status">
        <StatusBadge state={state} /> <span className="muted">for {modelTitle}</span>
      </p>
      {waiting && (
        <p className="polling">
          <span className="pulse" aria-hidden="true" />
          Checking for updates
        </p>
      )}
      <p className="result-next" data-testid="result-next">
        {NEXT_STEP[state]}
      </p>
      {state === 'denied' && reason !== undefined && reason !== '' && (
        <p className="status-reason">
          <span className="label">Reason</span> {reason}
        </p>
      )}
      <a className="button button-secondary button-block" href={statusHref(reply.request_id)}>
        Follow the status of this request
      </a>
    </section>
  );
}
