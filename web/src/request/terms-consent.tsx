import { type Ref, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ModalDialog } from '../shared/modal-dialog.js';
import type { Terms } from './terms.js';

/** The consent the request form asks for when the operator set terms of use: a required
 * checkbox, and the terms behind a link (a URL) or in a dialog (text) whose "Accept"
 * ticks the box. As in the original portal, the consent is not sent to the API. */
export function TermsConsent({
  terms,
  checked,
  onChange,
  error,
  inputRef,
}: {
  terms: Terms;
  checked: boolean;
  onChange: (checked: boolean) => void;
  error: string | undefined;
  inputRef: Ref<HTMLInputElement>;
}) {
  const { t } = useTranslation();
  const [reading, setReading] = useState(false);
  return (
    <div className="field consent-field">
      <div className="checkbox-row">
        <input
          ref={inputRef}
          id="terms-consent"
          type="checkbox"
          checked={checked}
          onChange={(event) => onChange(event.target.checked)}
          aria-invalid={error === undefined ? undefined : true}
          aria-describedby={error === undefined ? 'terms-read' : 'terms-read terms-error'}
          required
        />
        <label htmlFor="terms-consent">{t('terms.consent')}</label>
      </div>
      <p id="terms-read" className="hint consent-read">
        {terms.kind === 'link' ? (
          <a href={terms.url} target="_blank" rel="noopener noreferrer">
            {t('terms.read')}
            <span className="visually-hidden"> {t('terms.newTab')}</span>
          </a>
        ) : (
          <button type="button" className="link-button" onClick={() => setReading(true)}>
            {t('terms.read')}
          </button>
        )}
      </p>
      {error !== undefined && (
        <p id="terms-error" className="field-error">
          {error}
        </p>
      )}
      {reading && terms.kind === 'text' && (
        <TermsDialog
          paragraphs={terms.paragraphs}
          onClose={(accepted) => {
            setReading(false);
            if (accepted) {
              onChange(true);
            }
          }}
        />
      )}
    </div>
  );
}

/** The terms as text, in a modal <dialog> (focus stays inside, Escape closes). */
function TermsDialog({
  paragraphs,
  onClose,
}: {
  paragraphs: string[];
  onClose: (accepted: boolean) => void;
}) {
  const { t } = useTranslation();
  return (
    <ModalDialog titleId="terms-title" className="terms-dialog" onCancel={() => onClose(false)}>
      <h2 id="terms-title" className="dialog-title">
        {t('terms.title')}
      </h2>
      <div className="terms-text" data-testid="terms-text">
        {paragraphs.map((paragraph, index) => (
          // The operator's paragraphs never change while the dialog is open.
          // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list
          <p key={index}>{paragraph}</p>
        ))}
      </div>
      <div className="dialog-actions">
        <button type="button" className="button button-secondary" onClick={() => onClose(false)}>
          {t('terms.close')}
        </button>
        <button type="button" className="button button-primary" onClick={() => onClose(true)}>
          {t('terms.accept')}
        </button>
      </div>
    </ModalDialog>
  );
}
