import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AdminCredentials, api } from '../api/api-client.js';
import type { ApiFailure, FieldProblem } from '../api/api-failure.js';
import type { AdminRequest } from '../api/api-types.js';
import { failureText, problemText } from '../i18n/failure-text.js';
import { ModalDialog } from '../shared/modal-dialog.js';
import type { OfferedAction } from './admin-actions.js';

export type DialogOutcome =
  | { kind: 'done'; request: AdminRequest }
  | { kind: 'stale' }
  | { kind: 'unauthorized' };

/** Confirms one action in a modal <dialog> (focus stays inside, Escape cancels), asks for
 * the reason when the action takes one (the field comes first, so it has the focus at once),
 * and sends it. 409 (the state changed meanwhile) and
 * 401 end the dialog; a missing reason (422) or an unreachable server keep it open to try again. */
export function ActionDialog({
  credentials,
  offered,
  request,
  onClose,
}: {
  credentials: AdminCredentials;
  offered: OfferedAction;
  request: Pick<AdminRequest, 'request_id' | 'email' | 'model'>;
  onClose: (outcome: DialogOutcome | null) => void;
}) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<'required' | FieldProblem | null>(null);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [busy, setBusy] = useState(false);
  const { verb, action } = offered;
  const names = { email: request.email, model: request.model };

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) {
      return;
    }
    if (offered.reason === 'required' && reason.trim() === '') {
      setReasonError('required');
      return;
    }
    setBusy(true);
    setFailure(null);
    const result = await api.adminAction(
      credentials,
      action,
      request.request_id,
      offered.reason === 'none' ? '' : reason,
    );
    setBusy(false);
    if (result.ok) {
      onClose({ kind: 'done', request: result.data.request });
      return;
    }
    const problem = result.failure;
    if (problem.kind === 'conflict' || problem.kind === 'not-found') {
      onClose({ kind: 'stale' });
    } else if (problem.kind === 'unauthorized') {
      onClose({ kind: 'unauthorized' });
    } else if (problem.fields.reason !== undefined) {
      setReasonError(problem.fields.reason);
    } else {
      setFailure(problem);
    }
  }

  return (
    <ModalDialog
      titleId="dialog-title"
      describedBy="dialog-consequence"
      onCancel={() => {
        if (!busy) {
          onClose(null);
        }
      }}
    >
      <form onSubmit={submit} noValidate>
        <h2 id="dialog-title" className="dialog-title">
          {t(`action.${verb}.question`, names)}
        </h2>
        <p id="dialog-consequence">{t(`action.${verb}.consequence`, names)}</p>
        {offered.reason !== 'none' && (
          <div className="field">
            <label htmlFor="action-reason">
              {t('dialog.reason')}{' '}
              <span className="muted">
                {offered.reason === 'required' ? t('dialog.required') : t('dialog.optional')}
              </span>
            </label>
            <textarea
              id="action-reason"
              rows={3}
              maxLength={1000}
              value={reason}
              onChange={(event) => {
                setReason(event.target.value);
                setReasonError(null);
              }}
              aria-invalid={reasonError === null ? undefined : true}
              aria-describedby={reasonError === null ? undefined : 'reason-error'}
            />
            {reasonError !== null && (
              <p id="reason-error" className="field-error">
                {reasonError === 'required'
                  ? t('dialog.reasonRequired')
                  : problemText(t, 'reason', reasonError)}
              </p>
            )}
          </div>
        )}
        {failure !== null && (
          <p className="form-error" role="alert">
            {failureText(t, failure)}
          </p>
        )}
        <div className="dialog-actions">
          <button
            type="button"
            className="button button-secondary"
            onClick={() => onClose(null)}
            disabled={busy}
          >
            {t('dialog.cancel')}
          </button>
          <button
            type="submit"
            className={`button ${offered.destructive ? 'button-danger' : 'button-primary'}`}
            disabled={busy}
            aria-busy={busy}
          >
            {busy ? t('dialog.working') : t(`action.${verb}.verb`)}
          </button>
        </div>
      </form>
    </ModalDialog>
  );
}
