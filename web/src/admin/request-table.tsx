import type { AdminAction, AdminRequest } from '../api/api-types.js';
import { hrefFor } from '../shared/route.js';
import { StatusBadge } from '../shared/status-badge.js';
import { formatTime } from '../shared/status-text.js';
import { ACTION_TEXT, actionsFor } from './admin-text.js';

/** Requests as a table; below 720px each row becomes a card (CSS) with the column
 * name shown beside each value via data-label. */
export function RequestTable({
  requests,
  onAction,
}: {
  requests: AdminRequest[];
  onAction: (action: AdminAction, request: AdminRequest) => void;
}) {
  return (
    <table className="request-table">
      <caption className="visually-hidden">Key requests</caption>
      <thead>
        <tr>
          <th scope="col">Requested</th>
          <th scope="col">Email</th>
          <th scope="col">Model</th>
          <th scope="col">Status</th>
          <th scope="col">Key</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {requests.map((request) => (
          <tr key={request.request_id} data-request-id={request.request_id} data-state={request.status}>
            <td data-label="Requested">
              <div className="cell-body">
                <time dateTime={request.created_at}>{formatTime(request.created_at)}</time>
                <a
                  className="cell-sub mono"
                  href={hrefFor({ page: 'admin-request', id: request.request_id })}
                  title="Open this request on its own page"
                >
                  {request.request_id}
                </a>
              </div>
            </td>
            <td data-label="Email" className="cell-email">
              <div className="cell-body">{request.email}</div>
            </td>
            <td data-label="Model">
              <div className="cell-body">
                <code>{request.model}</code>
              </div>
            </td>
            <td data-label="Status">
              <div className="cell-body">
                <StatusBadge state={request.status} />
                {request.reason !== undefined && request.reason !== '' && (
                  <span className="cell-sub">{request.reason}</span>
                )}
                {request.last_error !== undefined && request.last_error !== '' && (
                  <span className="cell-sub cell-warning">
                    Retrying after {request.attempts} failed {request.attempts === 1 ? 'attempt' : 'attempts'}
                    : {request.last_error}
                  </span>
                )}
              </div>
            </td>
            <td data-label="Key">
              <div className="cell-body">
                {request.api_key === undefined ? (
                  <span className="muted">—</span>
                ) : (
                  <code title="Masked key">{request.api_key}</code>
                )}
              </div>
            </td>
            <td className="cell-actions">
              {actionsFor(request.status).map((action) => (
                <button
                  key={action}
                  type="button"
                  className={`button button-small ${ACTION_TEXT[action].destructive ? 'button-danger-outline' : 'button-primary'}`}
                  onClick={() => onAction(action, request)}
                  aria-label={`${ACTION_TEXT[action].verb} the request of ${request.email} for ${request.model}`}
                >
                  {ACTION_TEXT[action].verb}
                </button>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
