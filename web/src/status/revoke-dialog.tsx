import { useTranslation } from 'react-i18next';
import { ModalDialog } from '../shared/modal-dialog.js';

/** "Revoke my key" asks first, in a modal <dialog>: the safe answer (keep the key) comes
 * first and has the focus, Escape answers it too. */
export function RevokeDialog({ model, onClose }: { model: string; onClose: (confirmed: boolean) => void }) {
  const { t } = useTranslation();
  return (
    <ModalDialog titleId="revoke-title" describedBy="revoke-consequence" onCancel={() => onClose(false)}>
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
    </ModalDialog>
  );
}
