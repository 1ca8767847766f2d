import { Trans, useTranslation } from 'react-i18next';

/** The console's heading row: the page title, who is signed in, Refresh and Sign out. */
export function ConsoleHead({
  title,
  username,
  refreshing,
  onRefresh,
  onSignOut,
}: {
  title: string;
  username: string;
  refreshing: boolean;
  onRefresh: () => void;
  onSignOut: () => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="console-head">
      <div>
        <h1 tabIndex={-1}>{title}</h1>
        <p className="muted">
          <Trans i18nKey="admin.signedInAs" values={{ user: username }} components={{ strong: <strong /> }} />
        </p>
      </div>
      <div className="console-head-actions">
        <button type="button" className="button button-secondary" onClick={onRefresh} disabled={refreshing}>
          {t('admin.refresh')}
        </button>
        <button type="button" className="button button-ghost" onClick={onSignOut}>
          {t('admin.signOut')}
        </button>
      </div>
    </div>
  );
}
