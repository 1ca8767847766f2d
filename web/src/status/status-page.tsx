import { useEffect, useRef, useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { api } from '../api/api-client.js';
import type { ApiFailure } from '../api/api-failure.js';
import type { RequestStatus } from '../api/api-types.js';
import { failureText } from '../i18n/failure-text.js';
import { updateRecentStatus } from '../request/recent-requests.js';
import { Banner } from '../shared/banner.js';
import { browserStorage } from '../shared/browser-storage.js';
import { HistoryList } from '../shared/history-list.js';
import { KeyFacts } from '../shared/key-facts.js';
import { LiveMessage } from '../shared/live-message.js';
import { type CheckOutcome, createPoller, documentVisibility } from '../shared/poller.js';
import { isOpenState } from '../shared/request-states.js';
import { hrefFor } from '../shared/route.js';
import { StatusBadge } from '../shared/status-badge.js';
import { TimeFact } from '../shared/time-fact.js';
import { TransLink } from '../shared/trans-link.js';
import { RevokeDialog } from './revoke-dialog.js';

type View =
  | { state: 'loading' }
  | { state: 'found'; status: RequestStatus; refreshFailure: ApiFailure | null }
  | { state: 'not-found' }
  | { state: 'failed'; failure: ApiFailure };

type RequesterAction = 'renew' | 'revoke';

/** How the requester's last action went, kept as facts so it re-renders in a new language. */
type Outcome =
  | { kind: 'renewed' }
  | { kind: 'revoked' }
  | { kind: 'stale' }
  | { kind: 'failed'; failure: ApiFailure };

/** The answer carries the requester's view (the token was accepted), not just the state. */
function isDetailed(status: RequestStatus): boolean {
  return status.can_renew !== undefined;
}

/** Still worth polling: the state can change by itself (pending, in review), or an approved
 * request's key is still being created. */
function stillMoving(status: RequestStatus): boolean {
  return isOpenState(status.status) || (status.status === 'approved' && status.api_key === null);
}

/** One request's page (`/requests/<id>`), polling with backoff while it can still change.
 * With the requester's token (the link in their mails) it shows the details, the key's expiry
 * and spend, the history, and offers Renew and "Revoke my key" (after a confirmation).
 * The page is keyed by id, so a new id starts fresh. */
export function StatusPage({ id, token }: { id: string; token: string | null }) {
  const { t } = useTranslation();
  const [view, setView] = useState<View>({ state: 'loading' });
  // Bumped after an action: polling starts over, since the request moves again.
  const [round, setRound] = useState(0);
  const [busy, setBusy] = useState<RequesterAction | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const outcomeRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    // Restarted by `round` after an action; the value itself is not needed here.
    void round;
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
          if (!stillMoving(status)) {
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
  }, [id, token, round]);

  // The outcome of an action takes the focus: the button pressed may be gone now.
  useEffect(() => {
    if (outcome !== null) {
      outcomeRef.current?.focus();
    }
  }, [outcome]);

  async function act(action: RequesterAction) {
    if (token === null || busy !== null) {
      return;
    }
    setBusy(action);
    setOutcome(null);
    const result = await api.requesterAction(action, id, token);
    setBusy(null);
    if (result.ok) {
      setView({ state: 'found', status: result.data, refreshFailure: null });
      setOutcome({ kind: action === 'renew' ? 'renewed' : 'revoked' });
    } else {
      setOutcome(
        result.failure.kind === 'conflict' ? { kind: 'stale' } : { kind: 'failed', failure: result.failure },
      );
    }
    setRound((previous) => previous + 1);
  }

  const status = view.state === 'found' ? view.status : null;
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
      {outcome !== null && (
        <div ref={outcomeRef} tabIndex={-1} className="outcome" data-testid="requester-outcome">
          <Banner
            tone={outcome.kind === 'failed' || outcome.kind === 'stale' ? 'error' : 'success'}
            announce={false}
          >
            {outcomeText(outcome)}
          </Banner>
        </div>
      )}
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
      {status !== null && <StatusCard status={status} />}
      {view.state === 'found' && view.refreshFailure !== null && (
        <Banner tone="info">
          {t('status.refreshFailed', { reason: failureText(t, view.refreshFailure) })}
        </Banner>
      )}
      {status !== null && !isDetailed(status) && (
        <Banner tone="info">
          {token === null ? t('requester.tokenMissing') : t('requester.linkInvalid')}
        </Banner>
      )}
      {status !== null && isDetailed(status) && (status.can_renew === true || status.can_revoke === true) && (
        <section className="card manage-card" aria-labelledby="manage-title" data-testid="manage">
          <h2 id="manage-title" className="card-title">
            {t('requester.manage')}
          </h2>
          {status.can_renew === true && (
            <ManageAction
              action="renew"
              busy={busy}
              label={t('requester.renew')}
              hint={t('requester.renewHint')}
              onClick={() => void act('renew')}
            />
          )}
          {status.can_revoke === true && (
            <ManageAction
              action="revoke"
              busy={busy}
              label={t('requester.revoke')}
              hint={t('requester.revokeHint')}
              onClick={() => setConfirming(true)}
            />
          )}
        </section>
      )}
      {status?.history !== undefined && (
        <section className="card history-card" aria-labelledby="history-title">
          <h2 id="history-title" className="card-title">
            {t('history.heading')}
          </h2>
          <HistoryList entries={status.history} />
        </section>
      )}
      <p>
        <a href={hrefFor({ page: 'request' })}>{t('status.another')}</a>
      </p>
      {confirming && status !== null && (
        <RevokeDialog
          model={status.model ?? ''}
          onClose={(confirmed) => {
            setConfirming(false);
            if (confirmed) {
              void act('revoke');
            }
          }}
        />
      )}
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

  function outcomeText(shown: Outcome): string {
    switch (shown.kind) {
      case 'renewed':
        return t('requester.renewed');
      case 'revoked':
        return t('requester.revoked');
      case 'stale':
        return t('requester.stale');
      default:
        return t('requester.failed', { reason: failureText(t, shown.failure) });
    }
  }
}

/** One of the requester's actions: its button (off while any action runs) and what it does. */
function ManageAction({
  action,
  busy,
  label,
  hint,
  onClick,
}: {
  action: RequesterAction;
  busy: RequesterAction | null;
  label: string;
  hint: string;
  onClick: () => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="manage-action">
      <button
        type="button"
        className={`button ${action === 'revoke' ? 'button-danger-outline' : 'button-primary'}`}
        onClick={onClick}
        disabled={busy !== null}
        aria-busy={busy === action}
        aria-describedby={`${action}-hint`}
      >
        {busy === action ? t('requester.working') : label}
      </button>
      <p id={`${action}-hint`} className="hint">
        {hint}
      </p>
    </div>
  );
}

function StatusCard({ status }: { status: RequestStatus }) {
  const { t } = useTranslation();
  return (
    <div className={`card status-card status-${status.status}`} data-testid="status-card">
      <div className="status-head">
        <StatusBadge state={status.status} large />
        {stillMoving(status) && (
          <span className="polling">
            <span className="pulse" aria-hidden="true" />
            {t('status.checking')}
          </span>
        )}
      </div>
      <p className="status-explanation">{t(`state.${status.status}.explanation`)}</p>
      {status.reason !== undefined && status.reason !== null && status.reason !== '' && (
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
          <TimeFact label={t('status.requested')} iso={status.created_at} />
          <TimeFact label={t('status.lastChange')} iso={status.updated_at} />
          <KeyFacts request={status} />
        </dl>
      )}
    </div>
  );
}
