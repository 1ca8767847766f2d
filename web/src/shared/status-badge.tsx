import { stateLabel } from './status-text.js';

export function StatusBadge({ state, large = false }: { state: string; large?: boolean }) {
  return (
    <span className={`badge badge-${state}${large ? ' badge-large' : ''}`} data-state={state}>
      <span className="badge-dot" aria-hidden="true" />
      {stateLabel(state)}
    </span>
  );
}
