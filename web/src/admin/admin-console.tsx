import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AdminCredentials, api } from '../api/api-client.js';
import type { ApiFailure } from '../api/api-failure.js';
import {
  ADMIN_FILTERS,
  type AdminFilter,
  type AdminList,
  type AdminStats,
  LIST_SORTS,
  type ListSort,
} from '../api/api-types.js';
import { failureText } from '../i18n/failure-text.js';
import { Banner } from '../shared/banner.js';
import { ConsoleHead } from './console-head.js';
import { filterCount, SORT_KEYS } from './filter-counts.js';
import { RequestTable } from './request-table.js';
import { useAdminAction } from './use-admin-action.js';

export const PAGE_SIZE = 50;
/** Typing pauses this long before the search runs (Enter runs it at once). */
const SEARCH_DELAY_MS = 300;
const DEFAULT_SORT: ListSort = '-created_at';

interface ListState {
  rows: AdminList;
  nextCursor: string | null;
  loading: 'first' | 'more' | null;
  failure: ApiFailure | null;
}

/** What the list shows: a state tab, a search text (email, model or id) and an order. */
interface Narrowing {
  filter: AdminFilter;
  q: string;
  sort: ListSort;
}

const EMPTY_LIST: ListState = { rows: [], nextCursor: null, loading: 'first', failure: null };

/** Every request, a page at a time: state tabs with their counts, search, order, and the
 * actions each request allows. Opening a request (its id) goes to its detail view. */
export function AdminConsole({
  credentials,
  username,
  onSignOut,
  onUnauthorized,
}: {
  credentials: AdminCredentials;
  username: string;
  onSignOut: () => void;
  onUnauthorized: () => void;
}) {
  const { t } = useTranslation();
  const [narrowing, setNarrowing] = useState<Narrowing>({ filter: 'review', q: '', sort: DEFAULT_SORT });
  const [searchText, setSearchText] = useState('');
  const [list, setList] = useState<ListState>(EMPTY_LIST);
  // Counts are a help, not the list: when they cannot be loaded the tabs show none.
  const [stats, setStats] = useState<AdminStats | null>(null);
  // Answers for an older narrowing or reload are dropped: only the latest load may write the list.
  const generation = useRef(0);
  // The parent's callback may be a new function each render; it must not re-trigger loading.
  const unauthorized = useRef(onUnauthorized);
  unauthorized.current = onUnauthorized;

  const load = useCallback(
    async (cursor: string | null) => {
      const mine = cursor === null ? ++generation.current : generation.current;
      setList((previous) => ({ ...previous, loading: cursor === null ? 'first' : 'more', failure: null }));
      const { filter, q, sort } = narrowing;
      const [result, counts] = await Promise.all([
        api.adminList(credentials, { filter, limit: PAGE_SIZE, cursor, q, sort }),
        cursor === null ? api.adminStats(credentials) : null,
      ]);
      if (mine !== generation.current) {
        return;
      }
      if (counts !== null) {
        setStats(counts.ok ? counts.data : null);
      }
      if (!result.ok) {
        if (result.failure.kind === 'unauthorized') {
          unauthorized.current();
          return;
        }
        setList((previous) => ({ ...previous, loading: null, failure: result.failure }));
        return;
      }
      const { requests, next_cursor } = result.data;
      setList((previous) => ({
        rows: cursor === null ? requests : [...previous.rows, ...requests],
        nextCursor: next_cursor,
        loading: null,
        failure: null,
      }));
    },
    [credentials, narrowing],
  );

  // A new narrowing (or new credentials) means a new `load`, which starts from an empty list:
  // rows of another tab or search never show under this one.
  useEffect(() => {
    setList(EMPTY_LIST);
    void load(null);
  }, [load]);

  const actions = useAdminAction({ credentials, onUnauthorized, onChanged: () => void load(null) });

  function narrow(change: Partial<Narrowing>) {
    actions.clearNotice();
    setNarrowing((previous) => sameOrChanged(previous, change));
  }

  // The search runs once typing pauses.
  const typed = searchText.trim();
  useEffect(() => {
    const timer = setTimeout(
      () => setNarrowing((previous) => sameOrChanged(previous, { q: typed })),
      SEARCH_DELAY_MS,
    );
    return () => clearTimeout(timer);
  }, [typed]);

  function searchNow(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    narrow({ q: typed });
  }

  const { rows, nextCursor, loading, failure } = list;
  const { filter, q } = narrowing;
  return (
    <section className="admin-console">
      <ConsoleHead
        title={t('admin.requests')}
        username={username}
        refreshing={loading !== null}
        onRefresh={() => void load(null)}
        onSignOut={onSignOut}
      />

      <fieldset className="filters">
        <legend className="visually-hidden">{t('admin.showRequests')}</legend>
        {ADMIN_FILTERS.map((option) => (
          <button
            key={option}
            type="button"
            className="filter"
            aria-pressed={option === filter}
            data-filter={option}
            onClick={() => narrow({ filter: option })}
          >
            {t(`filter.${option}.label`)}
            {stats !== null && (
              <span className="filter-count" data-testid={`count-${option}`}>
                {' '}
                {filterCount(stats, option)}
              </span>
            )}
          </button>
        ))}
      </fieldset>

      <div className="list-tools">
        <search className="list-search">
          <form className="list-search-form" onSubmit={searchNow}>
            <label htmlFor="admin-search">{t('admin.searchLabel')}</label>
            <input
              id="admin-search"
              type="search"
              value={searchText}
              maxLength={254}
              placeholder={t('admin.searchPlaceholder')}
              autoComplete="off"
              spellCheck={false}
              onChange={(event) => setSearchText(event.target.value)}
            />
          </form>
        </search>
        <div className="list-sort">
          <label htmlFor="admin-sort">{t('admin.sortLabel')}</label>
          <select
            id="admin-sort"
            value={narrowing.sort}
            onChange={(event) => narrow({ sort: event.target.value as ListSort })}
          >
            {LIST_SORTS.map((sort) => (
              <option key={sort} value={sort}>
                {t(SORT_KEYS[sort])}
              </option>
            ))}
          </select>
        </div>
      </div>

      {stats !== null && stats.notification_failed > 0 && (
        <Banner tone="info">{t('admin.failedNotifications', { count: stats.notification_failed })}</Banner>
      )}

      {actions.notice}

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
        {rows.length > 0 && <RequestTable requests={rows} onAction={actions.start} />}
        {loading === 'first' && rows.length === 0 && <p className="loading">{t('admin.loading')}</p>}
        {loading === null && failure === null && rows.length === 0 && (
          <p className="empty" data-testid="admin-empty">
            {q === '' ? t(`filter.${filter}.empty`) : t('admin.noMatch', { query: q })}
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

      {actions.dialog}
    </section>
  );
}

/** `previous` itself when `change` changes nothing, so React keeps the list as it is. */
function sameOrChanged(previous: Narrowing, change: Partial<Narrowing>): Narrowing {
  const next = { ...previous, ...change };
  return next.filter === previous.filter && next.q === previous.q && next.sort === previous.sort
    ? previous
    : next;
}
