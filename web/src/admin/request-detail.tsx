import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AdminCredentials, api } from '../api/api-client.js';
import type { ApiFailure } from '../api/api-failure.js';
import type { AdminRequest } from '../api/api-types.js';
import { failureText } from '../i18n/failure-text.js';
import { Banner } from '../shared/banner.js';
import { formatTime } from '../shared/format-time.js';
import { HistoryList } from '../shared/history-list.js';
import { KeyFacts } from '../shared/key-facts.js';
import { hrefFor } from '../shared/route.js';
import { StatusBadge } from '../shared/status-badge.js';
import { TimeFact } from '../shared/time-fact.js';
import { type OfferedAction, offeredActions } from './admin-actions.js';
import { ConsoleHead } from './console-head.js';
import { useAdminAction } from './use-admin-action.js';

type View =
  | { state: 'loading' }
  | { state: 'found'; request: AdminRequest; refreshing: boolean }
  | { state: 'not-found' }
  | { state: 'failed'; failure: ApiFailure };

/** One request on its own page (`/admin/requests/<id>`, the review-notice mail links here):
 * its facts, key, spend, a notification that could not be delivered, the actions it allows
 * now, and its history. After an action the page shows the request as it is then. */
export function RequestDetail({
  credentials,
  username,
  id,
  onSignOut,
  onUnauthorized,
}: {
  credentials: AdminCredentials;
  username: string;
  id: string;
  onSignOut: () => void;
  onUnauthorized: () => void;
}) {
  const { t } = useTranslation();
  const [view, setView] = useState<View>({ state: 'loading' });
  const unauthorized = useRef(onUnauthorized);
  unauthorized.current = onUnauthorized;
  // Only the latest load may write the page.
  const generation = useRef(0);

  const load = useCallback(async () => {
    const mine = ++generation.current;
    setView((previous) => (previous.state === 'found' ? { ...previous, refreshing: true } : previous));
    const result = await api.adminGet(credentials, id);
    if (mine !== generation.current) {
      return;
    }
    if (result.ok) {
      setView({ state: 'found', request: result.data, refreshing: false });
    } else if (result.failure.kind === 'unauthorized') {
      unauthorized.current();
    } else if (result.failure.kind === 'not-found' || result.failure.kind === 'validation') {
      // 422 is a malformed id: for a person that is the same as an unknown one.
      setView({ state: 'not-found' });
    } else {
      setView({ state: 'failed', failure: result.failure });
    }
  }, [credentials, id]);

  useEffect(() => {
    void load();
  }, [load]);

  const actions = useAdminAction({ credentials, onUnauthorized, onChanged: () => void load() });
  const busy = view.state === 'loading' || (view.state === 'found' && view.refreshing);

  return (
    <section className="admin-console request-detail-page">
      <ConsoleHead
        title={t('admin.request')}
        username={username}
        refreshing={busy}
        onRefresh={() => void load()}
        onSignOut={onSignOut}
      />
      <p>
        <a href={hrefFor({ page: 'admin' })}>{t('admin.allRequests')}</a>
      </p>
      {actions.notice}
      {view.state === 'loading' && <p className="loading">{t('admin.loadingRequest')}</p>}
      {view.state === 'not-found' && (
        <p className="empty card" data-testid="admin-empty">
          {t('admin.noSuchRequest', { id })}
        </p>
      )}
      {view.state === 'failed' && (
        <Banner
          tone="error"
          action={
            <button type="button" className="button button-secondary" onClick={() => void load()}>
              {t('admin.tryAgain')}
            </button>
          }
        >
          {t('admin.requestFailed', { reason: failureText(t, view.failure) })}
        </Banner>
      )}
      {view.state === 'found' && (
        <DetailCard request={view.request} onAction={(offered) => actions.start(offered, view.request)} />
      )}
      {actions.dialog}
    </section>
  );
}

function DetailCard({
  request,
  onAction,
}: {
  request: AdminRequest;
  onAction: (offered: OfferedAction) => void;
}) {
  const { t, i18n } = useTranslation();
  const offered = offeredActions(request);
  const failure = request.notification_failure;
  return (
    <>
      <article
        className="card detail-card"
        aria-labelledby="detail-title"
        data-testid="request-detail"
        data-state={request.state}
      >
        <div className="status-head detail-head">
          <div className="detail-names">
            <h2 id="detail-title" className="detail-title">
              {request.email}
            </h2>
            <code>{request.model}</code>
          </div>
          <StatusBadge state={request.state} large />
        </div>

        {request.reason !== undefined && request.reason !== '' && (
          <p className="status-reason">
            <span className="label">{t('detail.reason')}</span> {request.reason}
          </p>
        )}
        {request.last_error !== undefined && request.last_error !== '' && (
          <p className="cell-warning">
            {t('table.retrying', { count: request.attempts, error: request.last_error })}
          </p>
        )}
        {failure !== undefined && (
          <div data-testid="notification-failure">
            <Banner tone="error" announce={false}>
              {t('detail.notificationFailed', {
                kind: t(`notification.${failure.kind}`),
                at: formatTime(failure.at, i18n.language),
                error: failure.error,
              })}
            </Banner>
          </div>
        )}

        <dl className="facts">
          <div>
            <dt>{t('detail.requestId')}</dt>
            <dd>
              <code className="request-id">{request.request_id}</code>
            </dd>
          </div>
          <TimeFact label={t('detail.requested')} iso={request.created_at} />
          <TimeFact label={t('detail.lastChange')} iso={request.updated_at} />
          <KeyFacts request={request} />
        </dl>

        <section className="detail-actions" aria-labelledby="detail-actions-title">
          <h3 id="detail-actions-title" className="section-title detail-actions-title">
            {t('detail.actions')}
          </h3>
          {offered.length === 0 ? (
            <p className="muted">{t('detail.noActions')}</p>
          ) : (
            <div className="action-row">
              {offered.map((action) => (
                <button
                  key={action.verb}
                  type="button"
                  className={`button ${action.destructive ? 'button-danger-outline' : 'button-primary'}`}
                  onClick={() => onAction(action)}
                >
                  {t(`action.${action.verb}.verb`)}
                </button>
              ))}
            </div>
          )}
        </section>
      </article>

      <section className="card history-card" aria-labelledby="history-title">
        <h2 id="history-title" className="card-title">
          {t('history.heading')}
        </h2>
        <HistoryList entries={request.history ?? []} />
      </section>
    </>
  );
}
