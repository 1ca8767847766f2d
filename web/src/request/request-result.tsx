import type { SubmitReply } from '../api/api-types.js';
import { statusHref } from '../shared/route.js';
import { StatusBadge } from '../shared/status-badge.js';
import { STATE_TEXT } from '../shared/status-text.js';

export function RequestResult({ reply, modelTitle }: { reply: SubmitReply; modelTitle: string }) {
  return (
    <section className="result" aria-labelledby="result-heading" data-testid="request-result">
      <h2 id="result-heading" className="result-title">
        Request received
      </h2>
      <p className="result-message">{reply.message}</p>
      <p className="result-status">
        <StatusBadge state={reply.status} /> <span className="muted">for {modelTitle}</span>
      </p>
      <p className="hint">{STATE_TEXT[reply.status]?.explanation}</p>
      <a className="button button-secondary button-block" href={statusHref(reply.request_id)}>
        Follow the status of this request
      </a>
    </section>
  );
}
