import { useTranslation } from 'react-i18next';
import { formatTime } from './format-time.js';

/** One entry of a `<dl className="facts">`: a label and a moment, written in the UI's language. */
export function TimeFact({ label, iso }: { label: string; iso: string }) {
  const { i18n } = useTranslation();
  return (
    <div>
      <dt>{label}</dt>
      <dd>
        <time dateTime={iso}>{formatTime(iso, i18n.language)}</time>
      </dd>
    </div>
  );
}
