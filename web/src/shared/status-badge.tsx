import { useTranslation } from 'react-i18next';
import type { RequestState } from '../api/api-types.js';

export function StatusBadge({ state, large = false }: { state: RequestState; large?: boolean }) {
  const { t } = useTranslation();
  return (
    <span className={`badge badge-${state}${large ? ' badge-large' : ''}`} data-state={state}>
      <span className="badge-dot" aria-hidden="true" />
      {t(`state.${state}.label`)}
    </span>
  );
}
