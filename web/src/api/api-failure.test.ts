import { describe, expect, it } from 'vitest';
import { NETWORK_MESSAGE, networkFailure, toApiFailure } from './api-failure.js';

describe('toApiFailure', () => {
  it('puts each 422 problem next to the field its loc names', () => {
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
    expect(failure.kind).toBe('validation');
    expect(failure.fields).toEqual({
      email: 'value is not a valid email address: bad domain',
      llm: 'Unknown model',
    });
    expect(failure.message).toBe('email: value is not a valid email address: bad domain; llm: Unknown model');
  });

  it('keeps the first message per field and reports problems without a field in the message', () => {
    const failure = toApiFailure(422, {
      detail: [
        { loc: ['body'], msg: 'Input should be a JSON object', type: 'dict_type' },
        { loc: ['body', 'reason'], msg: 'Field required', type: 'missing' },
        { loc: ['body', 'reason'], msg: 'second', type: 'x' },
      ],
    });
    expect(failure.fields).toEqual({ reason: 'Field required' });
    expect(failure.message).toBe('reason: Field required; Input should be a JSON object');
  });

  it('reads {message, success:false} bodies as a banner message with a kind per status', () => {
    expect(toApiFailure(503, { message: 'Store unreachable', success: false })).toEqual({
      kind: 'unavailable',
      status: 503,
      message: 'Store unreachable',
      fields: {},
    });
    expect(
      toApiFailure(409, { message: 'Cannot deny a request that is approved', success: false }).kind,
    ).toBe('conflict');
    expect(toApiFailure(413, { message: 'Request body too large', success: false }).kind).toBe('too-large');
    expect(toApiFailure(401, { message: 'Invalid credentials', success: false }).kind).toBe('unauthorized');
  });

  it('gives a readable message when the body is not the API shape (a proxy error page)', () => {
    expect(toApiFailure(502, null).message).toMatch(/temporarily unavailable/);
    expect(toApiFailure(500, 'oops').message).toBe(
      'The server had a problem (HTTP 500). Please try again later.',
    );
    expect(toApiFailure(418, { detail: [] }).message).toBe('The server refused the request (HTTP 418).');
    expect(toApiFailure(404, {}).kind).toBe('not-found');
  });

  it('treats a 422 without usable problems as a plain failure', () => {
    const failure = toApiFailure(422, { detail: [{ nope: true }] });
    expect(failure.fields).toEqual({});
    expect(failure.message).toBe('The server refused the request (HTTP 422).');
  });
});

describe('networkFailure', () => {
  it('says the server could not be reached', () => {
    expect(networkFailure()).toEqual({ kind: 'network', status: 0, message: NETWORK_MESSAGE, fields: {} });
  });
});
