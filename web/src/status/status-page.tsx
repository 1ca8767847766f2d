import { useEffect, useState } from 'react';
import { api } from '../api/api-client.js';
import type { ApiFailure } from '../api/api-failure.js';
import type { RequestStatus } from '../api/api-types.js';
import { browserStorage, updateRecentStatus } from '../request/recent-requests.js';
import { Banner } from '../shared/banner.js';
import { LiveMessage } from '../shared/live-message.js';
import { type CheckOutcome, createPoller, documentVisibility } from '../shared/poller.js';
import { hrefFor } from '../shared/route.js';
import { StatusBadge } from '../shared/status-badge.js';
import { formatTime, isOpenState, STATE_TEXT, stateLabel } from '../shared/status-text.js';

type View =
  | { state: 'loading' }
  | { state: 'found'; status: RequestStatus; refreshFailure: ApiFailure | null }
  | { state: 'not-found' }
  | { state: 'failed'; failure: ApiFailure };

/** Shows one request's state and polls with backoff while it can still change (pending,
 * in-review). The page is keyed by id, so a new id starts fresh. */
export function StatusPage({ id, token }: { id: string; token: string | null }) {
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
      <h1 tabIndex={-1}>Request status</h1>
      <p className="muted">
        Request id <code className="request-id">{id}</code>
      </p>
      <LiveMessage text={announcement(view)} />
      {view.state === 'loading' && <p className="loading">Looking up the request…</p>}
      {view.state === 'not-found' && (
        <div className="card" data-testid="status-not-found">
          <h2 className="card-title">Request not found</h2>
          <p>
            There is no request with this id. Check the link from your confirmation, or{' '}
            <a href={hrefFor({ page: 'request' })}>request a key</a>.
          </p>
        </div>
      )}
      {view.state === 'failed' && (
        <Banner tone="error">
          The status could not be loaded: {view.failure.message} Trying again shortly.
        </Banner>
      )}
      {view.state === 'found' && <StatusCard status={view.status} />}
      {view.state === 'found' && view.refreshFailure !== null && (
        <Banner tone="info">Could not refresh just now ({view.refreshFailure.message}); retrying.</Banner>
      )}
      <p>
        <a href={hrefFor({ page: 'request' })}>← Request another key</a>
      </p>
    </section>
  );
}

/** What a screen reader hears when the page changes: the state, not the whole card again. */
function announcement(view: View): string {
  switch (view.state) {
    case 'found':
      return `Status: ${stateLabel(view.status.status)}.`;
    case 'not-found':
      return 'Request not found.';
    case 'failed':
      return 'The status could not be loaded.';
    default:
      return '';
  }
}

function StatusCard({ status }: { status: RequestStatus }) {
  const text = STATE_TEXT[status.status];
  const open = isOpenState(status.status);
  return (
    <div className={`card status-card status-${status.status}`} data-testid="status-card">
      <div className="status-head">
        <StatusBadge state={status.status} large />
        {open && (
          <span className="polling">
            <span className="pulse" aria-hidden="true" />
            Checking for updates
          </span>
        )}
      </div>
      <p className="status-explanation">{text?.explanation ?? `The request is ${status.status}.`}</p>
      {status.reason !== undefined && status.reason !== '' && (
        <p className="status-reason">
          <span className="label">Reason</span> {status.reason}
        </p>
      )}
      <dl className="facts">
        <div>
          <dt>Model</dt>
          <dd>
            <code>{status.model}</code>
          </dd>
        </div>
        <div>
          <dt>Requested</dt>
          <dd>
            <time dateTime={status.created_at}>{formatTime(status.created_at)}</time>
          </dd>
        </div>
        <div>
          <dt>Last change</dt>
          <dd>
            <time dateTime={status.updated_at}>{formatTime(status.updated_at)}</time>
          </dd>
        </div>
      </dl>
    </div>
  );
}
