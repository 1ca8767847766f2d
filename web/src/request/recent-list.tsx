import { useTranslation } from 'react-i18next';
import { formatTime } from '../shared/format-time.js';
import { statusHref } from '../shared/route.js';
import { StatusBadge } from '../shared/status-badge.js';
import type { RecentRequest } from './recent-requests.js';

/** Requests made from this browser (kept in localStorage), so people can find the status page again. */
export function RecentList({
  recent,
  titleOf,
}: {
  recent: RecentRequest[];
  titleOf: (id: string) => string;
}) {
  const { t, i18n } = useTranslation();
  if (recent.length === 0) {
    return null;
  }
  return (
    <section className="recent" aria-labelledby="recent-heading">
      <h2 id="recent-heading" className="section-title recent-title">
        {t('recent.heading')}
      </h2>
      <ul className="recent-list">
        {recent.map((item) => (
          <li key={item.id}>
            <a href={statusHref(item.id, item.token ?? null)}>
              <span className="recent-model">{titleOf(item.model)}</span>
              <span className="recent-meta">
                <StatusBadge state={item.status} />
                <time dateTime={item.at}>{formatTime(item.at, i18n.language)}</time>
              </span>
            </a>
          </li>
        ))}
      </ul>
      <p className="hint">{t('recent.hint')}</p>
    </section>
  );
}
