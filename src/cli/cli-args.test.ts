import { describe, expect, it } from 'vitest';
import { parseCliArgs, UsageError } from './cli-args.js';

const ID = '42d1919f-7698-4811-8de9-61c0767af7ba';

describe('parseCliArgs', () => {
  it.each([[[]], [['help']], [['--help']], [['-h']], [['list', '--help']], [['deny', '-h']]])(
    'asks for the usage with %j',
    (argv) => {
      expect(parseCliArgs(argv)).toEqual({ name: 'help' });
    },
  );

  it('lists everything, 50 at a time, by default', () => {
    expect(parseCliArgs(['list'])).toEqual({
      name: 'list',
      filter: 'all',
      limit: 50,
      cursor: null,
      json: false,
    });
  });

  it('takes a filter, a limit, a cursor and --json', () => {
    expect(parseCliArgs(['list', '--filter', 'review', '--limit=7', '--cursor', 'abc', '--json'])).toEqual({
      name: 'list',
      filter: 'review',
      limit: 7,
      cursor: 'abc',
      json: true,
    });
  });

  it('reads a request id for show and resend', () => {
    expect(parseCliArgs(['show', ID, '--json'])).toEqual({ name: 'show', id: ID, json: true });
    expect(parseCliArgs(['resend', ID])).toEqual({ name: 'resend', id: ID, json: false });
  });

  it('lets approve go without a reason, trimmed reasons otherwise', () => {
    expect(parseCliArgs(['approve', ID])).toEqual({
      name: 'decide',
      action: 'approve',
      id: ID,
      reason: null,
      json: false,
    });
    expect(parseCliArgs(['deny', ID, '--reason', '  not eligible '])).toMatchObject({
      action: 'deny',
      reason: 'not eligible',
    });
    expect(parseCliArgs(['revoke', '--reason=left the team', ID])).toMatchObject({
      action: 'revoke',
      id: ID,
      reason: 'left the team',
    });
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['list', '--bogus'], "Unknown option '--bogus'"],
    [
      ['list', '--filter', 'in-review'],
      '--filter must be one of pending, review, approved, denied, revoked, expired, all',
    ],
    [['list', '--limit', '0'], '--limit must be a whole number from 1 to 1000'],
    [['list', '--limit', '5x'], '--limit must be a whole number'],
    [['list', 'extra'], 'list takes no arguments'],
    [['check-config', '--json'], "Unknown option '--json'"],
    [['show'], 'show needs a request id'],
    [['show', ID, ID], 'show takes one request id, got 2 arguments'],
    [['show', '../etc/passwd'], 'a request id is 1-64 letters, digits and dashes'],
    [['resend'], 'resend needs a request id'],
    [['resend', ID, '--reason', 'x'], "Unknown option '--reason'"],
    [['approve', ID, '--reason'], "Option '--reason <value>' argument missing"],
    [['deny', ID], 'deny needs --reason TEXT'],
    [['deny', ID, '--reason', '   '], 'deny needs --reason TEXT'],
    [['revoke', ID], 'revoke needs --reason TEXT'],
    [['deny', ID, '--reason', 'x'.repeat(1001)], '--reason is at most 1000 characters'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(UsageError);
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});
