import { describe, expect, it } from 'vitest';
import { networkFailure, toApiFailure } from './api-failure.js';

describe('toApiFailure', () => {
  it('puts each 422 problem under the field its loc names', () => {
    const failure = toApiFailure(422, {
      detail: [
        {
          loc: ['body', 'email'],
          msg: 'value is not a valid email address: bad domain',
          type: 'value_error',
        },
        { loc: ['body', 'llm'], msg: 'Unknown model', type: 'value_error' },
      ],
    });
    expect(failure).toEqual({
      kind: 'validation',
      status: 422,
      fields: {
        email: { type: 'value_error', msg: 'value is not a valid email address: bad domain' },
        llm: { type: 'value_error', msg: 'Unknown model' },
      },
      problems: [],
    });
  });

  it('keeps the first problem per field and collects problems without a field apart', () => {
    const failure = toApiFailure(422, {
      detail: [
        { loc: ['body'], msg: 'Input should be a JSON object', type: 'object_type' },
        { loc: ['body', 'reason'], msg: 'Field required', type: 'missing' },
        { loc: ['body', 'reason'], msg: 'second', type: 'x' },
      ],
    });
    expect(failure.fields).toEqual({ reason: { type: 'missing', msg: 'Field required' } });
    expect(failure.problems).toEqual([{ type: 'object_type', msg: 'Input should be a JSON object' }]);
  });

  it('gives a kind per status for {message, success:false} bodies and anything else', () => {
    expect(toApiFailure(503, { message: 'Store unreachable', success: false })).toEqual({
      kind: 'unavailable',
      status: 503,
      fields: {},
      problems: [],
    });
    expect(toApiFailure(409, { message: 'Cannot deny', success: false }).kind).toBe('conflict');
    expect(toApiFailure(413, null).kind).toBe('too-large');
    expect(toApiFailure(401, {}).kind).toBe('unauthorized');
    expect(toApiFailure(404, 'oops').kind).toBe('not-found');
    expect(toApiFailure(500, null).kind).toBe('other');
  });

  it('treats a 422 without usable problems as a plain failure', () => {
    expect(toApiFailure(422, { detail: [{ nope: true }] })).toEqual({
      kind: 'validation',
      status: 422,
      fields: {},
      problems: [],
    });
    expect(toApiFailure(418, { detail: [] }).kind).toBe('other');
  });
});

describe('networkFailure', () => {
  it('is a failure without an HTTP status', () => {
    expect(networkFailure()).toEqual({ kind: 'network', status: 0, fields: {}, problems: [] });
  });
});
