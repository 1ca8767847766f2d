import { useEffect, useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { api } from '../api/api-client.js';
import type { ApiFailure } from '../api/api-failure.js';
import type { RequestStatus } from '../api/api-types.js';
import { failureText } from '../i18n/failure-text.js';
import { updateRecentStatus } from '../request/recent-requests.js';
import { Banner } from '../shared/banner.js';
import { browserStorage } from '../shared/browser-storage.js';
import { formatTime } from '../shared/format-time.js';
import { LiveMessage } from '../shared/live-message.js';
import { type CheckOutcome, createPoller, documentVisibility } from '../shared/poller.js';
import { isOpenState } from '../shared/request-states.js';
import { hrefFor } from '../shared/route.js';
import { StatusBadge } from '../shared/status-badge.js';
import { TransLink } from '../shared/trans-link.js';

type View =
  | { state: 'loading' }
  | { state: 'found'; status: RequestStatus; refreshFailure: ApiFailure | null }
  | { state: 'not-found' }
  | { state: 'failed'; failure: ApiFailure };

/** Shows one request's state and polls with backoff while it can still change (pending,
 * in-review). The page is keyed by id, so a new id starts fresh. */
export function StatusPage({ id, token }: { id: string; token: string | null }) {
  const { t } = useTranslation();
  const [view, setView] = useState<View>({ state: 'loading' });

  useEffect(() => {
    let shown: RequestStatus['status'] | null = null;
    const poller = createPoller({
      visibility: documentVisibility(),
      check: async (signal): Promise<CheckOutcome> => {
        const result = await api.status(id, token, signal);
        if (result.ok) {
          const status = result.data;
          setView({ state: 'found', status, refreshFailure: null });
          updateRecentStatus(browserStorage('localStorage'), status.request_id, status.status);
          const changed = shown !== null && shown !== status.status;
          shown = status.status;
          if (!isOpenState(status.status)) {
            return 'settled';
          }
          return changed ? 'changed' : 'unchanged';
        }
        const { failure } = result;
        // 422 is a malformed id: for a person that is the same as an unknown one.
        if (failure.kind === 'not-found' || failure.kind === 'validation') {
          setView({ state: 'not-found' });
          return 'settled';
        }
        // A failed refresh keeps what was shown and tries again; only a first failure replaces the page.
        setView((previous) =>
          previous.state === 'found'
            ? { ...previous, refreshFailure: failure }
            : { state: 'failed', failure },
        );
        return 'failed';
      },
    });
    poller.start();
    return () => poller.stop();
  }, [id, token]);

  return (
    <section className="narrow status-page">
      <h1 tabIndex={-1}>{t('status.heading')}</h1>
      <p className="muted">
        <Trans
          i18nKey="status.requestId"
          values={{ id }}
          components={{ code: <code className="request-id" /> }}
        />
      </p>
      <LiveMessage text={announcement(view)} />
      {view.state === 'loading' && <p className="loading">{t('status.loading')}</p>}
      {view.state === 'not-found' && (
        <div className="card" data-testid="status-not-found">
          <h2 className="card-title">{t('status.notFoundTitle')}</h2>
          <p>
            <Trans
              i18nKey="status.notFoundText"
              components={{ request: <TransLink href={hrefFor({ page: 'request' })} /> }}
            />
          </p>
        </div>
      )}
      {view.state === 'failed' && (
        <Banner tone="error">{t('status.failed', { reason: failureText(t, view.failure) })}</Banner>
      )}
      {view.state === 'found' && <StatusCard status={view.status} />}
      {view.state === 'found' && view.refreshFailure !== null && (
        <Banner tone="info">
          {t('status.refreshFailed', { reason: failureText(t, view.refreshFailure) })}
        </Banner>
      )}
      <p>
        <a href={hrefFor({ page: 'request' })}>{t('status.another')}</a>
      </p>
    </section>
  );

  /** What a screen reader hears when the page changes: the state, not the whole card again. */
  function announcement(shown: View): string {
    switch (shown.state) {
      case 'found':
        return t('status.announced', { state: t(`state.${shown.status.status}.label`) });
      case 'not-found':
        return t('status.announcedNotFound');
      case 'failed':
        return t('status.announcedFailed');
      default:
        return '';
    }
  }
}

function StatusCard({ status }: { status: RequestStatus }) {
  const { t, i18n } = useTranslation();
  const open = isOpenState(status.status);
  return (
    <div className={`card status-card status-${status.status}`} data-testid="status-card">
      <div className="status-head">
        <StatusBadge state={status.status} large />
        {open && (
          <span className="polling">
            <span className="pulse" aria-hidden="true" />
            {t('status.checking')}
          </span>
        )}
      </div>
      <p className="status-explanation">{t(`state.${status.status}.explanation`)}</p>
      {status.reason !== undefined && status.reason !== '' && (
        <p className="status-reason">
          <span className="label">{t('status.reason')}</span> {status.reason}
        </p>
      )}
      {/* Without the requester's token the service answers only the id and state. */}
      {status.model !== undefined && status.created_at !== undefined && status.updated_at !== undefined && (
        <dl className="facts">
          <div>
            <dt>{t('status.model')}</dt>
            <dd>
              <code>{status.model}</code>
            </dd>
          </div>
          <div>
            <dt>{t('status.requested')}</dt>
            <dd>
              <time dateTime={status.created_at}>{formatTime(status.created_at, i18n.language)}</time>
            </dd>
          </div>
          <div>
            <dt>{t('status.lastChange')}</dt>
            <dd>
              <time dateTime={status.updated_at}>{formatTime(status.updated_at, i18n.language)}</time>
            </dd>
          </div>
        </dl>
      )}{' '}
    </div>
  );
}
