import { useEffect, useRef } from 'react';
import { AdminPage } from './admin/admin-page.js';
import { RequestPage } from './request/request-page.js';
import { hrefFor, type Route } from './shared/route.js';
import { useRoute } from './shared/use-route.js';
import { StatusPage } from './status/status-page.js';

const TITLES: Record<Route['page'], string> = {
  request: 'Request a key',
  status: 'Request status',
  admin: 'Admin console',
  'admin-request': 'Key request',
  'not-found': 'Page not found',
};

export function App() {
  const { route } = useRoute();
  const routeKey =
    route.page === 'status' || route.page === 'admin-request' ? `${route.page}:${route.id}` : route.page;
  const shownKey = useRef<string | null>(null);
  const title = TITLES[route.page];

  useEffect(() => {
    document.title = `${title} · LLM Key Requestor`;
    // After in-app navigation, move focus to the new page's heading so screen readers
    // and keyboard users start at the top of the new content (not on the first load).
    const first = shownKey.current === null;
    shownKey.current = routeKey;
    if (!first) {
      document.querySelector<HTMLElement>('main h1')?.focus();
    }
  }, [routeKey, title]);

  return (
    <>
      <button type="button" className="skip-link" onClick={skipToMain}>
        Skip to content
      </button>
      <header className="site-header">
        <div className="site-header-inner">
          <a className="brand" href={hrefFor({ page: 'request' })}>
            <span className="brand-mark" aria-hidden="true">
              K
            </span>
            <span>LLM Key Requestor</span>
          </a>
          <nav aria-label="Main">
            <ul className="nav-list">
              <li>
                <a
                  href={hrefFor({ page: 'request' })}
                  aria-current={route.page === 'request' ? 'page' : undefined}
                >
                  Request a key
                </a>
              </li>
              <li>
                <a
                  href={hrefFor({ page: 'admin' })}
                  aria-current={route.page === 'admin' || route.page === 'admin-request' ? 'page' : undefined}
                >
                  Admin
                </a>
              </li>
            </ul>
          </nav>
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
          Keys are created on the LiteLLM gateway and sent by email. <a href="docs">API documentation</a>
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
  return (
    <section className="narrow">
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        There is nothing at this address. <a href={hrefFor({ page: 'request' })}>Request a key</a> or{' '}
        <a href={hrefFor({ page: 'admin' })}>open the admin console</a>.
      </p>
    </section>
  );
}
