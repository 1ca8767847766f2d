import { describe, expect, it } from 'vitest';
import { createI18n } from '../i18n/create-i18n.js';
import { actorText } from './actor-text.js';

describe('actorText', () => {
  const { t } = createI18n('en');

  it('names each kind of actor the audit trail records', () => {
    expect(
      ['plugin:whitelist', 'admin:reviewer', 'mcp:ops', 'cli:root', 'worker', 'requester', 'external'].map(
        (actor) => actorText(t, actor),
      ),
    ).toEqual([
      'Approval plugin “whitelist”',
      'Administrator reviewer',
      'Administrator ops (MCP)',
      'root (command line)',
      'The service',
      'Requester',
      'Outside the service',
    ]);
  });

  it('keeps an anonymised administrator anonymous, and shows an unknown actor as it came', () => {
    expect(actorText(t, 'admin')).toBe('An administrator');
    expect(actorText(t, 'robot:x')).toBe('robot:x');
    expect(actorText(createI18n('de').t, 'admin:eva')).toBe('Verwaltung (eva)');
  });
});
