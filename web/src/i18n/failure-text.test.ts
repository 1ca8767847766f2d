import { describe, expect, it } from 'vitest';
import { networkFailure, toApiFailure } from '../api/api-failure.js';
import { createI18n } from './create-i18n.js';
import { failureText, problemText } from './failure-text.js';

const en = createI18n('en').t;
const de = createI18n('de').t;
const es = createI18n('es').t;

describe('problemText', () => {
  it("uses the field's own words for a known problem type, in the user's language", () => {
    const bad = { type: 'value_error', msg: 'value is not a valid email address: email domain must be …' };
    expect(problemText(en, 'email', bad)).toMatch(/^The server does not accept this email address/);
    expect(problemText(de, 'email', bad)).toMatch(/^Der Server nimmt diese E-Mail-Adresse nicht an/);
    expect(problemText(es, 'reason', { type: 'missing', msg: 'Field required' })).toBe('Escriba un motivo.');
  });

  it('falls back to words for the type alone, then to the server message', () => {
    expect(problemText(de, 'colour', { type: 'missing', msg: 'Field required' })).toBe(
      'Dieses Feld ist erforderlich.',
    );
    expect(problemText(en, 'x', { type: 'extra_forbidden', msg: 'Extra inputs are not permitted' })).toBe(
      'The server does not accept the field “x”.',
    );
    expect(problemText(de, 'email', { type: 'brand_new_type', msg: 'Something new' })).toBe('Something new');
  });
});

describe('failureText', () => {
  it('says what went wrong per kind, in the language of the instance', () => {
    expect(failureText(en, networkFailure())).toBe(
      'Could not reach the server. Check your connection and try again.',
    );
    expect(failureText(de, toApiFailure(503, null))).toBe(
      'Der Dienst ist vorübergehend nicht verfügbar. Bitte versuchen Sie es gleich noch einmal.',
    );
    expect(failureText(es, toApiFailure(500, null))).toBe(
      'El servidor tuvo un problema (HTTP 500). Vuelva a intentarlo más tarde.',
    );
    expect(failureText(en, toApiFailure(400, { message: 'bad json' }))).toBe(
      'The server refused the request (HTTP 400).',
    );
  });

  it('joins the validation problems, or says the input was not accepted', () => {
    const failure = toApiFailure(422, {
      detail: [
        { loc: ['body', 'llm'], msg: 'Unknown model', type: 'value_error' },
        { loc: ['body'], msg: 'Input should be a JSON object', type: 'object_type' },
      ],
    });
    expect(failureText(en, failure)).toBe(
      'This model is not offered. Choose one from the list. Input should be a JSON object',
    );
    expect(failureText(de, toApiFailure(422, { detail: [] }))).toBe(
      'Der Server hat die Eingaben nicht angenommen.',
    );
  });
});
