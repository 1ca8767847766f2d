import { type FormEvent, useRef, useState } from 'react';
import { type AdminCredentials, api } from '../api/api-client.js';
import { Banner } from '../shared/banner.js';
import { LiveMessage } from '../shared/live-message.js';

const DISABLED_MESSAGE =
  'The admin API is turned off on this server. An operator enables it by setting ADMIN_USERNAME and ADMIN_PASSWORD.';

export function AdminLogin({
  notice,
  onSignedIn,
}: {
  notice: string | null;
  onSignedIn: (credentials: AdminCredentials, username: string) => void;
}) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const passwordRef = useRef<HTMLInputElement>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) {
      return;
    }
    if (username.trim() === '' || password === '') {
      setError('Enter both the username and the password.');
      return;
    }
    setBusy(true);
    setError(null);
    const credentials = { username: username.trim(), password };
    const result = await api.verify(credentials);
    setBusy(false);
    if (result.ok) {
      onSignedIn(credentials, result.data.username);
      return;
    }
    const { failure } = result;
    if (failure.kind === 'unauthorized') {
      setError('Wrong username or password.');
      setPassword('');
      passwordRef.current?.focus();
    } else if (failure.kind === 'not-found') {
      setError(DISABLED_MESSAGE);
    } else {
      setError(failure.message);
    }
  }

  return (
    <form className="card login-card" onSubmit={submit} noValidate aria-labelledby="login-heading">
      <h2 id="login-heading" className="card-title">
        Sign in
      </h2>
      <p className="hint login-intro">Reviewers sign in to approve, deny and revoke key requests.</p>
      {notice !== null && error === null && <Banner tone="info">{notice}</Banner>}
      <div className="field">
        <label htmlFor="admin-username">Username</label>
        <input
          id="admin-username"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          value={username}
          onChange={(event) => setUsername(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="admin-password">Password</label>
        <input
          ref={passwordRef}
          id="admin-password"
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
      </div>
      <LiveMessage text={error ?? ''} assertive />
      {error !== null && (
        <p className="form-error" data-testid="login-error">
          {error}
        </p>
      )}
      <button type="submit" className="button button-primary button-block" disabled={busy} aria-busy={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
      <p className="hint">
        The credentials are kept only in this browser tab until you sign out or close it.
      </p>
    </form>
  );
}
