import { useCallback, useEffect, useState } from 'react';
import { legacyHashPath, parseRoute, type Route, relativePath } from './route.js';

export interface Router {
  route: Route;
  /** Goes to an in-app href (relative to the base, as hrefFor makes them) without a reload. */
  navigate: (href: string) => void;
}

/** History API routing: the page's path is the route. Clicks on links to in-app pages are
 * handled here (no reload); links elsewhere (`docs`, other sites) load as usual. An old
 * `#/…` link is replaced by its real path before the first render. */
export function useRoute(): Router {
  const [route, setRoute] = useState<Route>(() => {
    redirectLegacyHash();
    return currentRoute();
  });

  const navigate = useCallback((href: string) => {
    const url = new URL(href, document.baseURI);
    if (url.href !== window.location.href) {
      window.history.pushState(null, '', url);
    }
    setRoute(currentRoute());
    window.scrollTo(0, 0);
  }, []);

  useEffect(() => {
    const onPop = () => setRoute(currentRoute());
    // An old `#/…` link followed from this page changes only the hash: no reload, no popstate.
    const onHash = () => {
      redirectLegacyHash();
      setRoute(currentRoute());
    };
    const onClick = (event: MouseEvent) => {
      const href = inAppHref(event);
      if (href !== null) {
        event.preventDefault();
        navigate(href);
      }
    };
    window.addEventListener('popstate', onPop);
    window.addEventListener('hashchange', onHash);
    document.addEventListener('click', onClick);
    return () => {
      window.removeEventListener('popstate', onPop);
      window.removeEventListener('hashchange', onHash);
      document.removeEventListener('click', onClick);
    };
  }, [navigate]);

  return { route, navigate };
}

/** The base path the app is served under (`/` or a proxy's prefix), always ending with `/`. */
function basePath(): string {
  const path = new URL(document.baseURI).pathname;
  return path.endsWith('/') ? path : path.replace(/[^/]*$/, '');
}

function currentRoute(): Route {
  const { pathname, search } = window.location;
  const path = relativePath(pathname, basePath());
  return path === null ? { page: 'not-found', path: pathname } : parseRoute(path, search);
}

function redirectLegacyHash(): void {
  const target = legacyHashPath(window.location.hash);
  if (target !== null) {
    window.history.replaceState(null, '', new URL(target, new URL(basePath(), window.location.origin)));
  }
}

/** The href of a plain left click on a link to one of the app's pages; null for anything the
 * browser should handle itself (new tab, download, another origin, a server page such as /docs). */
function inAppHref(event: MouseEvent): string | null {
  if (
    event.defaultPrevented ||
    event.button !== 0 ||
    event.metaKey ||
    event.ctrlKey ||
    event.shiftKey ||
    event.altKey
  ) {
    return null;
  }
  const anchor = event.target instanceof Element ? event.target.closest('a') : null;
  if (
    anchor === null ||
    anchor.target !== '' ||
    anchor.hasAttribute('download') ||
    anchor.getAttribute('href') === null
  ) {
    return null;
  }
  const url = new URL(anchor.href);
  if (url.origin !== window.location.origin) {
    return null;
  }
  const path = relativePath(url.pathname, basePath());
  if (path === null || parseRoute(path, url.search).page === 'not-found') {
    return null;
  }
  return url.href;
}
