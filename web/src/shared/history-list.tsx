import { useTranslation } from 'react-i18next';
import type { HistoryEntry } from '../api/api-types.js';
import { actorText } from './actor-text.js';
import { formatTime } from './format-time.js';

/** A request's audit trail, oldest first as the API gives it: when, what, who, the state
 * change and the reason. The requester's view already comes without administrators' names. */
export function HistoryList({ entries }: { entries: readonly HistoryEntry[] }) {
  const { t, i18n } = useTranslation();
  if (entries.length === 0) {
    return <p className="muted">{t('history.empty')}</p>;
  }
  return (
    <ol className="history" data-testid="history">
      {entries.map((entry, index) => (
        // The trail is append-only: an entry keeps its position.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <li key={index} className="history-entry" data-action={entry.action}>
          <time className="history-time" dateTime={entry.at}>
            {formatTime(entry.at, i18n.language)}
          </time>
          <div className="history-body">
            <p className="history-what">
              <strong>{t(`history.action.${entry.action}`)}</strong>
              <span className="history-actor"> · {actorText(t, entry.actor)}</span>
            </p>
            {entry.from !== null && entry.to !== null && entry.from !== entry.to && (
              <p className="history-change">
                {t('history.change', {
                  from: t(`state.${entry.from}.label`),
                  to: t(`state.${entry.to}.label`),
                })}
              </p>
            )}
            {entry.reason !== null && entry.reason !== '' && <p className="history-reason">{entry.reason}</p>}
          </div>
        </li>
      ))}
    </ol>
  );
}
