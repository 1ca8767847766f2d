import { useTranslation } from 'react-i18next';
import { useModalDialog } from '../shared/use-modal-dialog.js';

/** "Revoke my key" asks first, in a modal <dialog>: the safe answer (keep the key) comes
 * first and has the focus, Escape answers it too. */
export function RevokeDialog({ model, onClose }: { model: string; onClose: (confirmed: boolean) => void }) {
  const { t } = useTranslation();
  const dialogRef = useModalDialog();
  return (
    <dialog
      ref={dialogRef}
      className="dialog"
      aria-labelledby="revoke-title"
      aria-describedby="revoke-consequence"
      onCancel={(event) => {
        event.preventDefault();
        onClose(false);
      }}
    >
      <h2 id="revoke-title" className="dialog-title">
        {t('requester.revokeQuestion', { model })}
      </h2>
      <p id="revoke-consequence">{t('requester.revokeConsequence')}</p>
      <div className="dialog-actions">
        <button type="button" className="button button-secondary" onClick={() => onClose(false)}>
          {t('requester.revokeCancel')}
        </button>
        <button type="button" className="button button-danger" onClick={() => onClose(true)}>
          {t('requester.revoke')}
        </button>
      </div>
    </dialog>
  );
}
