import { useTranslation } from 'react-i18next';
import { formatTime } from './format-time.js';
import { type KeyUsage, spendText } from './spend-text.js';

/** What the admin detail and the requester's page both say about a request's key. */
export interface KeyState extends KeyUsage {
  expires_at?: string | null | undefined;
  cycle?: number | undefined;
  /** Masked (`sk-…abcd`), or null without a key. */
  api_key?: string | null | undefined;
}

/** The key's expiry, cycle, masked value and spend, as entries of a `<dl className="facts">`. */
export function KeyFacts({ request }: { request: KeyState }) {
  const { t, i18n } = useTranslation();
  const hasKey = request.api_key !== null && request.api_key !== undefined;
  return (
    <>
      <div>
        <dt>{t('keyFacts.expires')}</dt>
        <dd data-testid="fact-expires">
          {request.expires_at !== null && request.expires_at !== undefined ? (
            <time dateTime={request.expires_at}>{formatTime(request.expires_at, i18n.language)}</time>
          ) : hasKey ? (
            t('keyFacts.neverExpires')
          ) : (
            <span className="muted">{t('keyFacts.noKeyYet')}</span>
          )}
        </dd>
      </div>
      {request.cycle !== undefined && (
        <div>
          <dt>{t('keyFacts.cycle')}</dt>
          <dd data-testid="fact-cycle">{request.cycle}</dd>
        </div>
      )}
      <div>
        <dt>{t('keyFacts.key')}</dt>
        <dd data-testid="fact-key">
          {hasKey ? <code>{request.api_key}</code> : <span className="muted">{t('keyFacts.noKey')}</span>}
        </dd>
      </div>
      <div>
        <dt>{t('keyFacts.spend')}</dt>
        <dd data-testid="fact-spend">{spendText(t, request, i18n.language)}</dd>
      </div>
    </>
  );
}
