import { useTranslation } from 'react-i18next';
import type { RequestState, SubmitReply } from '../api/api-types.js';
import { isSettled } from '../shared/request-states.js';
import { statusHref } from '../shared/route.js';
import { StatusBadge } from '../shared/status-badge.js';

/** The answer for a new request: its id and state (one for an existing request has neither). */
export type CreatedReply = SubmitReply & { request_id: string; status: RequestState };

/** The answer to a submission. `state` is the latest known one: the page polls the request
 * until it settles, so this box turns approved / denied / in review by itself and says what
 * happens next. */
export function RequestResult({
  reply,
  state,
  reason,
  modelTitle,
}: {
  reply: CreatedReply;
  state: RequestState;
  reason: string | undefined;
  modelTitle: string;
}) {
  const { t } = useTranslation();
  return (
    <section
      className="result"
      aria-labelledby="result-heading"
      data-testid="request-result"
      data-state={state}
    >
      <h2 id="result-heading" className="result-title">
        {t('result.heading')}
      </h2>
      <p className="result-message">{t('result.received')}</p>
      <p className="result-status">
        <StatusBadge state={state} />{' '}
        <span className="muted">{t('result.forModel', { model: modelTitle })}</span>
      </p>
      {!isSettled(state) && (
        <p className="polling">
          <span className="pulse" aria-hidden="true" />
          {t('result.checking')}
        </p>
      )}
      <p className="result-next" data-testid="result-next">
        {t(`state.${state}.next`)}
      </p>
      {state === 'denied' && reason !== undefined && reason !== '' && (
        <p className="status-reason">
          <span className="label">{t('result.reason')}</span> {reason}
        </p>
      )}
      <a
        className="button button-secondary button-block"
        href={statusHref(reply.request_id, reply.token ?? null)}
      >
        {t('result.follow')}
      </a>
    </section>
  );
}
