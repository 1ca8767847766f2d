import { useCallback, useEffect, useRef, useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { type AdminCredentials, api } from '../api/api-client.js';
import type { ApiFailure } from '../api/api-failure.js';
import {
  ADMIN_FILTERS,
  type AdminAction,
  type AdminFilter,
  type AdminRequest,
  type RequestState,
} from '../api/api-types.js';
import { failureText } from '../i18n/failure-text.js';
import { Banner } from '../shared/banner.js';
import { LiveMessage } from '../shared/live-message.js';
import { hrefFor } from '../shared/route.js';
import { ActionDialog, type DialogOutcome } from './action-dialog.js';
import { RequestTable } from './request-table.js';

export const PAGE_SIZE = 50;

interface ListState {
  rows: AdminRequest[];
  nextCursor: string | null;
  loading: 'first' | 'more' | null;
  failure: ApiFailure | null;
}

/** The outcome of the last action, kept as facts so it re-renders in a newly chosen language. */
type Notice =
  | { kind: 'done'; action: AdminAction; email: string; model: string }
  | { kind: 'stale'; action: AdminAction; email: string; state: RequestState | null };

const EMPTY_LIST: ListState = { rows: [], nextCursor: null, loading: 'first', failure: null };

export function AdminConsole({
  credentials,
  username,
  only,
  onSignOut,
  onUnauthorized,
}: {
  credentials: AdminCredentials;
  username: string;
  /** Show just this request (a deep link) instead of the filtered list. */
  only: string | null;
  onSignOut: () => void;
  onUnauthorized: () => void;
}) {
  const [filter, setFilter] = useState<AdminFilter>('review');
  const [list, setList] = useState<ListState>(EMPTY_LIST);
  const { t } = useTranslation();
  const [notice, setNotice] = useState<Notice | null>(null);
  const [pending, setPending] = useState<{ action: AdminAction; request: AdminRequest } | null>(null);
  // Answers for an older filter or reload are dropped: only the latest load may write the list.
  const generation = useRef(0);
  // The parent's callback may be a new function each render; it must not re-trigger loading.
  const unauthorized = useRef(onUnauthorized);
  unauthorized.current = onUnauthorized;

  const load = useCallback(
    async (cursor: string | null) => {
      const mine = cursor === null ? ++generation.current : generation.current;
      setList((previous) =>
        cursor === null
          ? { ...previous, loading: 'first', failure: null }
          : { ...previous, loading: 'more', failure: null },
      );
      const result =
        only === null
          ? await api.adminList(credentials, { filter, limit: PAGE_SIZE, cursor })
          : await api.adminGet(credentials, only);
      if (mine !== generation.current) {
        return;
      }
      if (!result.ok) {
        if (result.failure.kind === 'unauthorized') {
          unauthorized.current();
          return;
        }
        if (only !== null && result.failure.kind === 'not-found') {
          setList({ rows: [], nextCursor: null, loading: null, failure: null });
          return;
        }
        setList((previous) => ({ ...previous, loading: null, failure: result.failure }));
        return;
      }
      const { requests, next_cursor } =
        'request_id' in result.data ? { requests: [result.data], next_cursor: null } : result.data;
      setList((previous) => ({
        rows: cursor === null ? requests : [...previous.rows, ...requests],
        nextCursor: next_cursor,
        loading: null,
        failure: null,
      }));
    },
    [credentials, filter, only],
  );

  // A new filter (or new credentials) means a new `load`, which starts from the first page.
  useEffect(() => {
    void load(null);
  }, [load]);

  function chooseFilter(next: AdminFilter) {
    if (next !== filter) {
      setList(EMPTY_LIST);
      setNotice(null);
      setFilter(next);
    }
  }

  async function closeDialog(outcome: DialogOutcome | null) {
    const acted = pending;
    setPending(null);
    if (outcome === null || acted === null) {
      return;
    }
    if (outcome.kind === 'unauthorized') {
      onUnauthorized();
      return;
    }
    const { action, request } = acted;
    if (outcome.kind === 'done') {
      setNotice({ kind: 'done', action, email: outcome.request.email, model: outcome.request.model });
    } else {
      // Someone else decided first: say what the request is now.
      const now = await api.adminGet(credentials, request.request_id);
      setNotice({ kind: 'stale', action, email: request.email, state: now.ok ? now.data.state : null });
    }
    void load(null);
  }

  function noticeText(shown: Notice): string {
    if (shown.kind === 'done') {
      return t(`action.${shown.action}.done`, { email: shown.email, model: shown.model });
    }
    const action = t(`action.${shown.action}.verbLower`);
    return shown.state === null
      ? t('admin.stale', { action, email: shown.email })
      : t('admin.staleNow', { action, email: shown.email, state: t(`state.${shown.state}.label`) });
  }

  const { rows, nextCursor, loading, failure } = list;
  return (
    <section className="admin-console">
      <div className="console-head">
        <div>
          <h1 tabIndex={-1}>{only === null ? t('admin.requests') : t('admin.request')}</h1>
          <p className="muted">
            <Trans
              i18nKey="admin.signedInAs"
              values={{ user: username }}
              components={{ strong: <strong /> }}
            />
          </p>
        </div>
        <div className="console-head-actions">
          <button
            type="button"
            className="button button-secondary"
            onClick={() => void load(null)}
            disabled={loading !== null}
          >
            {t('admin.refresh')}
          </button>
          <button type="button" className="button button-ghost" onClick={onSignOut}>
            {t('admin.signOut')}
          </button>
        </div>
      </div>

      {only !== null && (
        <p>
          <a href={hrefFor({ page: 'admin' })}>{t('admin.allRequests')}</a>
        </p>
      )}
      {only === null && (
        <fieldset className="filters">
          <legend className="visually-hidden">{t('admin.showRequests')}</legend>
          {ADMIN_FILTERS.map((option) => (
            <button
              key={option}
              type="button"
              className="filter"
              aria-pressed={option === filter}
              onClick={() => chooseFilter(option)}
            >
              {t(`filter.${option}.label`)}
            </button>
          ))}
        </fieldset>
      )}

      <LiveMessage text={notice === null ? '' : noticeText(notice)} />
      {notice !== null && (
        <Banner
          tone={notice.kind === 'done' ? 'success' : 'error'}
          announce={false}
          action={
            <button
              type="button"
              className="button button-ghost button-small"
              onClick={() => setNotice(null)}
              aria-label={t('admin.dismiss')}
            >
              ×
            </button>
          }
        >
          {noticeText(notice)}
        </Banner>
      )}

      {failure !== null && (
        <Banner
          tone="error"
          action={
            <button type="button" className="button button-secondary" onClick={() => void load(null)}>
              {t('admin.tryAgain')}
            </button>
          }
        >
          {t('admin.loadFailed', { reason: failureText(t, failure) })}
        </Banner>
      )}

      <div className="table-wrap" aria-busy={loading === 'first'}>
        {rows.length > 0 && (
          <RequestTable requests={rows} onAction={(action, request) => setPending({ action, request })} />
        )}
        {loading === 'first' && rows.length === 0 && <p className="loading">{t('admin.loading')}</p>}
        {loading === null && failure === null && rows.length === 0 && (
          <p className="empty" data-testid="admin-empty">
            {only === null ? t(`filter.${filter}.empty`) : t('admin.noSuchRequest', { id: only })}
          </p>
        )}
      </div>

      {nextCursor !== null && (
        <div className="load-more">
          <button
            type="button"
            className="button button-secondary"
            onClick={() => void load(nextCursor)}
            disabled={loading !== null}
            aria-busy={loading === 'more'}
          >
            {loading === 'more' ? t('admin.loadingMore') : t('admin.loadMore')}
          </button>
        </div>
      )}

      {pending !== null && (
        <ActionDialog
          key={`${pending.action}:${pending.request.request_id}`}
          credentials={credentials}
          action={pending.action}
          request={pending.request}
          onClose={(outcome) => void closeDialog(outcome)}
        />
      )}
    </section>
  );
}
