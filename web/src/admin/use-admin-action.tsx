import { type ReactNode, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AdminCredentials, api } from '../api/api-client.js';
import type { AdminRequest, RequestState } from '../api/api-types.js';
import { Banner } from '../shared/banner.js';
import { LiveMessage } from '../shared/live-message.js';
import { ActionDialog, type DialogOutcome } from './action-dialog.js';
import type { ActionVerb, OfferedAction } from './admin-actions.js';

/** The outcome of the last action, kept as facts so it re-renders in a newly chosen language. */
type Notice =
  | { kind: 'done'; verb: ActionVerb; email: string; model: string }
  | { kind: 'stale'; verb: ActionVerb; email: string; state: RequestState | null };

type Target = Pick<AdminRequest, 'request_id' | 'email' | 'model'>;

export interface AdminActionFlow {
  /** Opens the confirmation dialog for one offered action. */
  start(offered: OfferedAction, request: Target): void;
  clearNotice(): void;
  /** The outcome of the last action (announced, and shown as a banner). */
  notice: ReactNode;
  /** The open dialog, if any. */
  dialog: ReactNode;
}

/** One action from the console, list or detail: confirm it in a dialog, send it, say how it
 * went, and call `onChanged` so the caller shows the request as it is now. When another admin
 * was first (409), the notice says what the request is now. */
export function useAdminAction({
  credentials,
  onUnauthorized,
  onChanged,
}: {
  credentials: AdminCredentials;
  onUnauthorized: () => void;
  onChanged: () => void;
}): AdminActionFlow {
  const { t } = useTranslation();
  const [pending, setPending] = useState<{ offered: OfferedAction; request: Target } | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  // The caller's callbacks may be new functions each render; the latest ones are used.
  const callbacks = useRef({ onUnauthorized, onChanged });
  callbacks.current = { onUnauthorized, onChanged };

  async function close(outcome: DialogOutcome | null) {
    const acted = pending;
    setPending(null);
    if (outcome === null || acted === null) {
      return;
    }
    if (outcome.kind === 'unauthorized') {
      callbacks.current.onUnauthorized();
      return;
    }
    const { offered, request } = acted;
    if (outcome.kind === 'done') {
      setNotice({ kind: 'done', verb: offered.verb, email: request.email, model: request.model });
    } else {
      // Someone else decided first: say what the request is now.
      const now = await api.adminGet(credentials, request.request_id);
      setNotice({
        kind: 'stale',
        verb: offered.verb,
        email: request.email,
        state: now.ok ? now.data.state : null,
      });
    }
    callbacks.current.onChanged();
  }

  function noticeText(shown: Notice): string {
    if (shown.kind === 'done') {
      return t(`action.${shown.verb}.done`, { email: shown.email, model: shown.model });
    }
    const action = t(`action.${shown.verb}.verbLower`);
    return shown.state === null
      ? t('admin.stale', { action, email: shown.email })
      : t('admin.staleNow', { action, email: shown.email, state: t(`state.${shown.state}.label`) });
  }

  return {
    start: (offered, request) => setPending({ offered, request }),
    clearNotice: () => setNotice(null),
    notice: (
      <>
        <LiveMessage text={notice === null ? '' : noticeText(notice)} />
        {notice !== null && (
          <Banner
            tone={notice.kind === 'done' ? 'success' : 'error'}
            announce={false}
            action={
              <button
                type="button"
                className="button button-ghost button-small"
                onClick={() => setNotice(null)}
                aria-label={t('admin.dismiss')}
              >
                ×
              </button>
            }
          >
            {noticeText(notice)}
          </Banner>
        )}
      </>
    ),
    dialog:
      pending === null ? null : (
        <ActionDialog
          key={`${pending.offered.verb}:${pending.request.request_id}`}
          credentials={credentials}
          offered={pending.offered}
          request={pending.request}
          onClose={(outcome) => void close(outcome)}
        />
      ),
  };
}
