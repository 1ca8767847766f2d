import type { TFunction } from 'i18next';

/** Who made a history entry, in words: `plugin:<name>`, `admin:<user>`, `mcp:<user>`,
 * `cli:<os user>`, `worker`, `requester`, `external`, and `admin` alone (the requester's view
 * never names an administrator). An actor of a kind the UI does not know shows as it came. */
export function actorText(t: TFunction, actor: string): string {
  const colon = actor.indexOf(':');
  const kind = colon === -1 ? actor : actor.slice(0, colon);
  const name = colon === -1 ? '' : actor.slice(colon + 1);
  switch (kind) {
    case 'plugin':
      return t('history.actor.plugin', { name });
    case 'admin':
      return name === '' ? t('history.actor.someAdmin') : t('history.actor.admin', { name });
    case 'mcp':
      return t('history.actor.mcp', { name });
    case 'cli':
      return t('history.actor.cli', { name });
    case 'worker':
      return t('history.actor.worker');
    case 'requester':
      return t('history.actor.requester');
    case 'external':
      return t('history.actor.external');
    default:
      return actor;
  }
}
