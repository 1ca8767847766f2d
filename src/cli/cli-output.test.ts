import { describe, expect, it } from 'vitest';
import { toAdminView } from '../admin/admin-view.js';
import { newRequest } from '../requests/request-rules.js';
import type { KeyRequest } from '../requests/request-types.js';
import { formatDuration, formatRequest, formatTable, printable } from './cli-output.js';

const KEY = 'sk-live-0123456789abcdef-9f3a';

function request(overrides: Partial<KeyRequest> = {}): KeyRequest {
  return {
    ...newRequest(
      { id: 'f5c29329-d33c-494a-9866-78a6dcfea754', email: 'carol@example.com', model: 'mistral-7b' },
      '2025-03-01T09:15:42.123Z',
    ),
    state: 'approved',
    reason: 'whitelisted',
    apiKey: KEY,
    pendingKey: KEY,
    handledState: 'approved',
    updatedAt: '2025-03-01T09:16:00.000Z',
    version: '3',
    ...overrides,
  };
}

describe('toAdminView', () => {
  it('has the admin API shape with the key masked', () => {
    expect(
      toAdminView(request({ work: { ...request().work, attempts: 2, lastError: 'LiteLLM 503' } })),
    ).toEqual({
      request_id: 'f5c29329-d33c-494a-9866-78a6dcfea754',
      email: 'carol@example.com',
      model: 'mistral-7b',
      state: 'approved',
      api_key: 'sk-…9f3a',
      reason: 'whitelisted',
      created_at: '2025-03-01T09:15:42.123Z',
      updated_at: '2025-03-01T09:16:00.000Z',
      attempts: 2,
      last_error: 'LiteLLM 503',
      cycle: 1,
    });
  });

  it('masks the key from its hint once the plain key is dropped, and shows expiry and a failed mail', () => {
    const failure = { kind: 'approval', error: '550 no such user', at: '2025-03-01T09:17:00.000Z' } as const;
    const view = toAdminView(
      request({
        apiKey: null,
        keyHint: 'wxyz',
        cycle: 2,
        expiresAt: '2025-06-01T00:00:00.000Z',
        notificationFailure: failure,
      }),
    );
    expect(view).toMatchObject({
      api_key: 'sk-…wxyz',
      cycle: 2,
      expires_at: '2025-06-01T00:00:00.000Z',
      notification_failure: failure,
    });
  });

  it("leaves out what is not there, but api_key, which the original's shape always has", () => {
    const view = toAdminView(request({ state: 'pending', reason: null, apiKey: null, handledState: null }));
    expect(Object.keys(view)).not.toContain('reason');
    expect(view.api_key).toBeNull();
    expect(Object.keys(view)).not.toContain('last_error');
  });
});

describe('formatTable', () => {
  it('aligns one line per request under a header, with short times and masked keys', () => {
    const lines = formatTable([
      request(),
      request({
        id: 'a1',
        email: 'al@example.com',
        state: 'pending',
        reason: null,
        apiKey: null,
        handledState: null,
      }),
    ]).split('\n');
    expect(lines[0]).toMatch(/^ID +CREATED +EMAIL +MODEL +STATUS +REASON +KEY +ATTEMPTS$/);
    expect(lines[1]).toContain('2025-03-01 09:15Z');
    expect(lines[1]).toContain('sk-…9f3a');
    expect(lines[2]).toMatch(/^a1 +2025-03-01 09:15Z +al@example\.com +mistral-7b +pending +0$/);
    // Columns line up: every row starts its EMAIL cell where the header does.
    const emailAt = lines[0]?.indexOf('EMAIL');
    expect(lines[1]?.indexOf('carol@')).toBe(emailAt);
    expect(lines[2]?.indexOf('al@')).toBe(emailAt);
    expect(lines.join('\n')).not.toContain(KEY);
  });

  it('marks a decided request the worker has not finished with', () => {
    const table = formatTable([request({ apiKey: null, handledState: 'in-review' })]);
    expect(table).toContain('approved (queued)');
  });

  it('clips long values and neutralises terminal escapes', () => {
    const table = formatTable([request({ reason: `\u001b[2J${'r'.repeat(100)}` })]);
    expect(table).not.toContain('\u001b');
    // 40 columns at most: the escape's leftovers, 35 r, an ellipsis.
    expect(table).toContain(`  [2J${'r'.repeat(35)}…  `);
  });
});

describe('formatRequest', () => {
  it('shows every field and what the worker still has to do', () => {
    const text = formatRequest(
      request({
        apiKey: null,
        handledState: 'in-review',
        work: {
          owner: null,
          leaseUntil: null,
          attempts: 3,
          nextAttemptAt: Date.UTC(2025, 2, 1, 10),
          lastError: 'LiteLLM timeout',
        },
      }),
      new Date(Date.UTC(2025, 2, 1, 9, 30)),
    );
    expect(text).toContain('status      approved\n');
    expect(text).toContain('api_key     -\n');
    expect(text).toContain('attempts    3\n');
    expect(text).toContain('last_error  LiteLLM timeout\n');
    expect(text).toContain(
      'worker      to do: mint the key and mail it, next attempt after 2025-03-01T10:00:00.000Z\n',
    );
  });

  it('shows the expiry, the cycle, a given-up mail and the history, oldest first', () => {
    const text = formatRequest(
      request({
        expiresAt: '2025-04-01T09:16:00.000Z',
        cycle: 2,
        notificationFailure: { kind: 'approval', error: '550 no such user', at: '2025-03-01T09:17:00.000Z' },
        history: [
          {
            at: '2025-03-01T09:15:42.123Z',
            actor: 'requester',
            action: 'created',
            from: null,
            to: 'pending',
            reason: null,
          },
          {
            at: '2025-03-01T09:16:00.000Z',
            actor: 'plugin:whitelist',
            action: 'decided',
            from: 'pending',
            to: 'approved',
            reason: 'whitelisted\u001b[31m',
          },
          {
            at: '2025-03-01T09:16:30.000Z',
            actor: 'worker',
            action: 'key-minted',
            from: 'approved',
            to: 'approved',
            reason: null,
          },
        ],
      }),
    );
    expect(text).toContain('expires_at  2025-04-01T09:16:00.000Z\n');
    expect(text).toContain('cycle       2\n');
    expect(text).toContain(
      'mail_error  approval mail given up at 2025-03-01T09:17:00.000Z: 550 no such user (resend <id>)\n',
    );
    expect(text.slice(text.indexOf('history'))).toBe(
      'history (oldest first):\n' +
        '  2025-03-01 09:15Z  requester         created     -> pending\n' +
        '  2025-03-01 09:16Z  plugin:whitelist  decided     pending -> approved  whitelisted [31m\n' +
        '  2025-03-01 09:16Z  worker            key-minted  approved\n',
    );
  });

  it('says done once the worker has handled the state, and masks the key', () => {
    const text = formatRequest(request());
    expect(text).toContain('worker      done\n');
    expect(text).toContain('api_key     sk-…9f3a\n');
    expect(text).not.toContain(KEY);
  });
});

describe('printable', () => {
  it('replaces control characters, including C1 and newlines', () => {
    expect(printable('a\nb\u009b31mc\u0007')).toBe('a b 31mc ');
  });
});

describe('formatDuration', () => {
  it.each([
    [500, '500ms'],
    [1500, '1500ms'],
    [30_000, '30s'],
    [90_000, '90s'],
    [300_000, '5m'],
    [3_600_000, '1h'],
  ])('writes %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
