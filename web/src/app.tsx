import { useEffect, useRef } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { AdminPage } from './admin/admin-page.js';
import { LanguageSwitcher } from './i18n/language-switcher.js';
import { RequestPage } from './request/request-page.js';
import { hrefFor, type Route } from './shared/route.js';
import { TransLink } from './shared/trans-link.js';
import { useRoute } from './shared/use-route.js';
import { StatusPage } from './status/status-page.js';

const TITLE_KEYS = {
  request: 'title.request',
  status: 'title.status',
  admin: 'title.admin',
  'admin-request': 'title.adminRequest',
  'not-found': 'title.notFound',
} as const satisfies Record<Route['page'], string>;

export function App() {
  const { t } = useTranslation();
  const { route } = useRoute();
  const routeKey =
    route.page === 'status' || route.page === 'admin-request' ? `${route.page}:${route.id}` : route.page;
  const shownKey = useRef<string | null>(null);
  const title = t(TITLE_KEYS[route.page]);

  useEffect(() => {
    document.title = `${title} · ${t('app.name')}`;
  }, [title, t]);

  useEffect(() => {
    // After in-app navigation, move focus to the new page's heading so screen readers
    // and keyboard users start at the top of the new content (not on the first load).
    const first = shownKey.current === null;
    shownKey.current = routeKey;
    if (!first) {
      document.querySelector<HTMLElement>('main h1')?.focus();
    }
  }, [routeKey]);

  const adminPage = route.page === 'admin' || route.page === 'admin-request';
  return (
    <>
      <button type="button" className="skip-link" onClick={skipToMain}>
        {t('app.skipToContent')}
      </button>
      <header className="site-header">
        <div className="site-header-inner">
          <a className="brand" href={hrefFor({ page: 'request' })}>
            <span className="brand-mark" aria-hidden="true">
              K
            </span>
            <span>{t('app.name')}</span>
          </a>
          <div className="header-end">
            <nav aria-label={t('app.mainNavigation')}>
              <ul className="nav-list">
                <li>
                  <a
                    href={hrefFor({ page: 'request' })}
                    aria-current={route.page === 'request' ? 'page' : undefined}
                  >
                    {t('app.navRequest')}
                  </a>
                </li>
                <li>
                  <a href={hrefFor({ page: 'admin' })} aria-current={adminPage ? 'page' : undefined}>
                    {t('app.navAdmin')}
                  </a>
                </li>
              </ul>
            </nav>
            <LanguageSwitcher />
          </div>
        </div>
      </header>
      <main id="main" className="site-main" tabIndex={-1}>
        {route.page === 'request' && <RequestPage />}
        {route.page === 'status' && <StatusPage key={route.id} id={route.id} token={route.token} />}
        {route.page === 'admin' && <AdminPage requestId={null} />}
        {route.page === 'admin-request' && <AdminPage key={route.id} requestId={route.id} />}
        {route.page === 'not-found' && <NotFound />}
      </main>
      <footer className="site-footer">
        <p>
          {t('app.footer')} <a href="docs">{t('app.apiDocs')}</a>
        </p>
      </footer>
    </>
  );
}

/** A button, not `<a href="#main">`: under `<base href="/">` that link would leave the page. */
function skipToMain() {
  document.getElementById('main')?.focus();
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <section className="narrow">
      <h1 tabIndex={-1}>{t('notFound.heading')}</h1>
      <p>
        <Trans
          i18nKey="notFound.text"
          components={{
            request: <TransLink href={hrefFor({ page: 'request' })} />,
            admin: <TransLink href={hrefFor({ page: 'admin' })} />,
          }}
        />
      </p>
    </section>
  );
}
