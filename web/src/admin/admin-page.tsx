import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AdminCredentials, api } from '../api/api-client.js';
import { browserStorage } from '../shared/browser-storage.js';
import { AdminConsole } from './admin-console.js';
import { AdminLogin, type LoginNotice } from './admin-login.js';
import { loadCredentials, saveCredentials } from './admin-session.js';
import { RequestDetail } from './request-detail.js';

type Session =
  | { state: 'checking'; credentials: AdminCredentials }
  | { state: 'signed-out'; notice: LoginNotice | null }
  | { state: 'signed-in'; credentials: AdminCredentials; username: string };

/** Signs in with HTTP Basic credentials kept in sessionStorage, then shows the console:
 * every request, or the detail view of the one `requestId` names (`/admin/requests/<id>`,
 * a deep link). */
export function AdminPage({ requestId }: { requestId: string | null }) {
  const { t } = useTranslation();
  const [session, setSession] = useState<Session>(() => {
    const stored = loadCredentials(browserStorage('sessionStorage'));
    return stored === null
      ? { state: 'signed-out', notice: null }
      : { state: 'checking', credentials: stored };
  });

  // Credentials from an earlier visit in this tab are checked again: the password may have changed.
  const checking = session.state === 'checking' ? session.credentials : null;
  useEffect(() => {
    if (checking === null) {
      return;
    }
    let live = true;
    api.verify(checking).then((result) => {
      if (!live) {
        return;
      }
      if (result.ok) {
        setSession({ state: 'signed-in', credentials: checking, username: result.data.username });
      } else {
        saveCredentials(browserStorage('sessionStorage'), null);
        setSession({ state: 'signed-out', notice: result.failure.kind === 'network' ? 'network' : null });
      }
    });
    return () => {
      live = false;
    };
  }, [checking]);

  function signedIn(credentials: AdminCredentials, username: string) {
    saveCredentials(browserStorage('sessionStorage'), credentials);
    setSession({ state: 'signed-in', credentials, username });
  }

  function signOut(notice: LoginNotice) {
    saveCredentials(browserStorage('sessionStorage'), null);
    setSession({ state: 'signed-out', notice });
  }

  if (session.state === 'signed-in') {
    const signedIn = {
      credentials: session.credentials,
      username: session.username,
      onSignOut: () => signOut('signed-out'),
      onUnauthorized: () => signOut('expired'),
    };
    return requestId === null ? (
      <AdminConsole {...signedIn} />
    ) : (
      <RequestDetail {...signedIn} id={requestId} />
    );
  }
  return (
    <section className="narrow admin-login-page">
      <h1 tabIndex={-1}>{t('admin.heading')}</h1>
      {session.state === 'checking' ? (
        <p className="loading">{t('admin.checkingSession')}</p>
      ) : (
        <AdminLogin notice={session.notice} onSignedIn={signedIn} />
      )}
    </section>
  );
}
