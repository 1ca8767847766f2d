import { useTranslation } from 'react-i18next';
import type { AdminList } from '../api/api-types.js';
import { formatTime } from '../shared/format-time.js';
import { hrefFor } from '../shared/route.js';
import { StatusBadge } from '../shared/status-badge.js';
import { type OfferedAction, offeredActions } from './admin-actions.js';

type Row = AdminList[number];

/** Requests as a table; below 720px each row becomes a card (CSS) with the column
 * name shown beside each value via data-label. */
export function RequestTable({
  requests,
  onAction,
}: {
  requests: readonly Row[];
  onAction: (offered: OfferedAction, request: Row) => void;
}) {
  const { t, i18n } = useTranslation();
  const column = {
    requested: t('table.requested'),
    email: t('table.email'),
    model: t('table.model'),
    status: t('table.status'),
    key: t('table.key'),
  };
  return (
    <table className="request-table">
      <caption className="visually-hidden">{t('table.caption')}</caption>
      <thead>
        <tr>
          <th scope="col">{column.requested}</th>
          <th scope="col">{column.email}</th>
          <th scope="col">{column.model}</th>
          <th scope="col">{column.status}</th>
          <th scope="col">{column.key}</th>
          <th scope="col">
            <span className="visually-hidden">{t('table.actions')}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {requests.map((request) => (
          <tr key={request.request_id} data-request-id={request.request_id} data-state={request.state}>
            <td data-label={column.requested}>
              <div className="cell-body">
                <time dateTime={request.created_at}>{formatTime(request.created_at, i18n.language)}</time>
                <a
                  className="cell-sub mono"
                  href={hrefFor({ page: 'admin-request', id: request.request_id })}
                  title={t('table.openRequest')}
                >
                  {request.request_id}
                </a>
              </div>
            </td>
            <td data-label={column.email} className="cell-email">
              <div className="cell-body">{request.email}</div>
            </td>
            <td data-label={column.model}>
              <div className="cell-body">
                <code>{request.model}</code>
              </div>
            </td>
            <td data-label={column.status}>
              <div className="cell-body">
                <StatusBadge state={request.state} />
                {request.reason !== undefined && request.reason !== '' && (
                  <span className="cell-sub">{request.reason}</span>
                )}
                {request.last_error !== undefined && request.last_error !== '' && (
                  <span className="cell-sub cell-warning">
                    {t('table.retrying', { count: request.attempts, error: request.last_error })}
                  </span>
                )}
                {request.notification_failure !== undefined && (
                  <span className="cell-sub cell-warning" data-testid="mail-failed">
                    {t('table.mailFailed')}
                  </span>
                )}
              </div>
            </td>
            <td data-label={column.key}>
              <div className="cell-body">
                {request.api_key === null ? (
                  <span className="muted">—</span>
                ) : (
                  <code title={t('table.maskedKey')}>{request.api_key}</code>
                )}
              </div>
            </td>
            <td className="cell-actions">
              {offeredActions(request).map((offered) => (
                <button
                  key={offered.verb}
                  type="button"
                  className={`button button-small ${offered.destructive ? 'button-danger-outline' : 'button-primary'}`}
                  onClick={() => onAction(offered, request)}
                  aria-label={t(`action.${offered.verb}.button`, {
                    email: request.email,
                    model: request.model,
                  })}
                >
                  {t(`action.${offered.verb}.verb`)}
                </button>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
