import { type FormEvent, useEffect, useRef, useState } from 'react';
import { type AdminCredentials, api } from '../api/api-client.js';
import type { ApiFailure } from '../api/api-failure.js';
import type { AdminAction, AdminRequest } from '../api/api-types.js';
import { ACTION_TEXT } from './admin-text.js';

export type DialogOutcome =
  | { kind: 'done'; request: AdminRequest }
  | { kind: 'stale'; message: string }
  | { kind: 'unauthorized' };

/** Confirms one action in a modal <dialog> (focus stays inside, Escape cancels), asks for
 * the reason, and sends it. 409 (the state changed meanwhile) and 401 end the dialog;
 * a missing reason (422) or an unreachable server keep it open to try again. */
export function ActionDialog({
  credentials,
  action,
  request,
  onClose,
}: {
  credentials: AdminCredentials;
  action: AdminAction;
  request: AdminRequest;
  onClose: (outcome: DialogOutcome | null) => void;
}) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [busy, setBusy] = useState(false);
  const text = ACTION_TEXT[action];

  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog !== null && !dialog.open) {
      dialog.showModal();
    }
    return () => dialog?.close();
  }, []);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) {
      return;
    }
    if (text.reasonRequired && reason.trim() === '') {
      setReasonError('A reason is required: the requester receives it by email.');
      return;
    }
    setBusy(true);
    setFailure(null);
    const result = await api.adminAction(credentials, action, request.request_id, reason);
    setBusy(false);
    if (result.ok) {
      onClose({ kind: 'done', request: result.data.request });
      return;
    }
    const problem = result.failure;
    if (problem.kind === 'conflict' || problem.kind === 'not-found') {
      onClose({ kind: 'stale', message: problem.message });
    } else if (problem.kind === 'unauthorized') {
      onClose({ kind: 'unauthorized' });
    } else if (problem.fields.reason !== undefined) {
      setReasonError(problem.fields.reason);
    } else {
      setFailure(problem);
    }
  }

  const title = `${text.verb} the request of ${request.email}?`;
  return (
    <dialog
      ref={dialogRef}
      className="dialog"
      aria-labelledby="dialog-title"
      aria-describedby="dialog-consequence"
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) {
          onClose(null);
        }
      }}
    >
      <form onSubmit={submit} noValidate>
        <h2 id="dialog-title" className="dialog-title">
          {title}
        </h2>
        <p id="dialog-consequence">{text.consequence(request.email, request.model)}</p>
        <div className="field">
          <label htmlFor="action-reason">
            Reason{' '}
            <span className="muted">
              {text.reasonRequired ? '(required)' : '(optional, kept with the request)'}
            </span>
          </label>
          <textarea
            id="action-reason"
            rows={3}
            maxLength={1000}
            value={reason}
            // The dialog opens for this one question: start typing straight away.
            autoFocus
            onChange={(event) => {
              setReason(event.target.value);
              setReasonError(null);
            }}
            aria-invalid={reasonError === null ? undefined : true}
            aria-describedby={reasonError === null ? undefined : 'reason-error'}
          />
          {reasonError !== null && (
            <p id="reason-error" className="field-error">
              {reasonError}
            </p>
          )}
        </div>
        {failure !== null && (
          <p className="form-error" role="alert">
            {failure.message}
          </p>
        )}
        <div className="dialog-actions">
          <button
            type="button"
            className="button button-secondary"
            onClick={() => onClose(null)}
            disabled={busy}
          >
            Cancel
          </button>
          <button
            type="submit"
            className={`button ${text.destructive ? 'button-danger' : 'button-primary'}`}
            disabled={busy}
            aria-busy={busy}
          >
            {busy ? 'Working…' : text.verb}
          </button>
        </div>
      </form>
    </dialog>
  );
}
