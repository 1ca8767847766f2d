import { useCallback, useEffect, useRef, useState } from 'react';
import { type AdminCredentials, api } from '../api/api-client.js';
import type { ApiFailure } from '../api/api-failure.js';
import { ADMIN_FILTERS, type AdminAction, type AdminFilter, type AdminRequest } from '../api/api-types.js';
import { Banner } from '../shared/banner.js';
import { LiveMessage } from '../shared/live-message.js';
import { hrefFor } from '../shared/route.js';
import { ActionDialog, type DialogOutcome } from './action-dialog.js';
import { ACTION_TEXT, EMPTY_TEXT, FILTER_LABELS } from './admin-text.js';
import { RequestTable } from './request-table.js';

export const PAGE_SIZE = 50;

interface ListState {
  rows: AdminRequest[];
  nextCursor: string | null;
  loading: 'first' | 'more' | null;
  failure: ApiFailure | null;
}

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
  const [notice, setNotice] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);
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

  function closeDialog(outcome: DialogOutcome | null) {
    const acted = pending;
    setPending(null);
    if (outcome === null || acted === null) {
      return;
    }
    if (outcome.kind === 'unauthorized') {
      onUnauthorized();
      return;
    }
    if (outcome.kind === 'done') {
      const { request } = outcome;
      setNotice({
        tone: 'success',
        text: `${ACTION_TEXT[acted.action].done} the request of ${request.email} for ${request.model}.`,
      });
    } else {
      setNotice({ tone: 'error', text: `${asSentence(outcome.message)} The list was refreshed.` });
    }
    void load(null);
  }

  const { rows, nextCursor, loading, failure } = list;
  return (
    <section className="admin-console">
      <div className="console-head">
        <div>
          <h1 tabIndex={-1}>{only === null ? 'Key requests' : 'Key request'}</h1>
          <p className="muted">
            Signed in as <strong>{username}</strong>
          </p>
        </div>
        <div className="console-head-actions">
          <button
            type="button"
            className="button button-secondary"
            onClick={() => void load(null)}
            disabled={loading !== null}
          >
            Refresh
          </button>
          <button type="button" className="button button-ghost" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </div>

      {only !== null && (
        <p>
          <a href={hrefFor({ page: 'admin' })}>← All key requests</a>
        </p>
      )}
      {only === null && (
        <fieldset className="filters">
          <legend className="visually-hidden">Show requests</legend>
          {ADMIN_FILTERS.map((option) => (
            <button
              key={option}
              type="button"
              className="filter"
              aria-pressed={option === filter}
              onClick={() => chooseFilter(option)}
            >
              {FILTER_LABELS[option]}
            </button>
          ))}
        </fieldset>
      )}

      <LiveMessage text={notice?.text ?? ''} />
      {notice !== null && (
        <Banner
          tone={notice.tone}
          announce={false}
          action={
            <button
              type="button"
              className="button button-ghost button-small"
              onClick={() => setNotice(null)}
              aria-label="Dismiss message"
            >
              ×
            </button>
          }
        >
          {notice.text}
        </Banner>
      )}

      {failure !== null && (
        <Banner
          tone="error"
          action={
            <button type="button" className="button button-secondary" onClick={() => void load(null)}>
              Try again
            </button>
          }
        >
          The requests could not be loaded. {failure.message}
        </Banner>
      )}

      <div className="table-wrap" aria-busy={loading === 'first'}>
        {rows.length > 0 && (
          <RequestTable requests={rows} onAction={(action, request) => setPending({ action, request })} />
        )}
        {loading === 'first' && rows.length === 0 && <p className="loading">Loading requests…</p>}
        {loading === null && failure === null && rows.length === 0 && (
          <p className="empty" data-testid="admin-empty">
            {only === null ? EMPTY_TEXT[filter] : `There is no request with the id ${only}.`}
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
            {loading === 'more' ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}

      {pending !== null && (
        <ActionDialog
          key={`${pending.action}:${pending.request.request_id}`}
          credentials={credentials}
          action={pending.action}
          request={pending.request}
          onClose={closeDialog}
        />
      )}
    </section>
  );
}

/** Server messages may lack a full stop; another sentence follows them here. */
function asSentence(message: string): string {
  const trimmed = message.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
