import { type FormEvent, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AdminCredentials, api } from '../api/api-client.js';
import type { ApiFailure } from '../api/api-failure.js';
import { failureText } from '../i18n/failure-text.js';
import { Banner } from '../shared/banner.js';
import { LiveMessage } from '../shared/live-message.js';

type LoginError = 'both-required' | 'wrong' | 'disabled' | ApiFailure;

/** Why the sign-in form shows again. */
export type LoginNotice = 'signed-out' | 'expired' | 'network';

const NOTICE_KEYS = {
  'signed-out': 'admin.signedOut',
  expired: 'admin.sessionExpired',
  network: 'failure.network',
} as const;

export function AdminLogin({
  notice,
  onSignedIn,
}: {
  notice: LoginNotice | null;
  onSignedIn: (credentials: AdminCredentials, username: string) => void;
}) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { t } = useTranslation();
  const [error, setError] = useState<LoginError | null>(null);
  const [busy, setBusy] = useState(false);
  const passwordRef = useRef<HTMLInputElement>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) {
      return;
    }
    if (username.trim() === '' || password === '') {
      setError('both-required');
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
      setError('wrong');
      setPassword('');
      passwordRef.current?.focus();
    } else if (failure.kind === 'not-found') {
      setError('disabled');
    } else {
      setError(failure);
    }
  }

  const errorText =
    error === null
      ? null
      : error === 'both-required'
        ? t('admin.bothRequired')
        : error === 'wrong'
          ? t('admin.wrongCredentials')
          : error === 'disabled'
            ? t('admin.disabled')
            : failureText(t, error);
  return (
    <form className="card login-card" onSubmit={submit} noValidate aria-labelledby="login-heading">
      <h2 id="login-heading" className="card-title">
        {t('admin.signIn')}
      </h2>
      <p className="hint login-intro">{t('admin.loginIntro')}</p>
      {notice !== null && error === null && <Banner tone="info">{t(NOTICE_KEYS[notice])}</Banner>}
      <div className="field">
        <label htmlFor="admin-username">{t('admin.username')}</label>
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
        <label htmlFor="admin-password">{t('admin.password')}</label>
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
      <LiveMessage text={errorText ?? ''} assertive />
      {errorText !== null && (
        <p className="form-error" data-testid="login-error">
          {errorText}
        </p>
      )}
      <button type="submit" className="button button-primary button-block" disabled={busy} aria-busy={busy}>
        {busy ? t('admin.signingIn') : t('admin.signIn')}
      </button>
      <p className="hint">{t('admin.credentialsKept')}</p>
    </form>
  );
}
