import { describe, expect, it } from 'vitest';
import { maskApiKeys, redact } from './redact.js';

const KEY = 'sk-AbC_12-x9Yz0123456789abcdefghij';

describe('redact: known secrets', () => {
  it('removes the given secrets wherever they appear', () => {
    expect(redact('token=master-secret-value; again master-secret-value', ['master-secret-value'])).toBe(
      'token=[redacted]; again [redacted]',
    );
  });

  it('replaces a secret that contains another one whole', () => {
    expect(redact('pw hunter2hunter2 and hunter2', ['hunter2', 'hunter2hunter2'])).toBe(
      'pw [redacted] and [redacted]',
    );
  });

  it('ignores secrets too short to be told apart from ordinary text', () => {
    expect(redact('a plain message', ['', 'a'])).toBe('a plain message');
    expect(redact('plain text', [''])).toBe('plain text');
  });
});

describe('redact: LiteLLM keys', () => {
  it.each([
    ['after a space', `bad key ${KEY} given`, 'bad key sk-[redacted] given'],
    ['in double quotes', `near "${KEY}"`, 'near "sk-[redacted]"'],
    ['in single quotes', `key '${KEY}'`, "key 'sk-[redacted]'"],
    ['in JSON', `{"key":"${KEY}","x":1}`, '{"key":"sk-[redacted]","x":1}'],
    ['in parentheses', `(${KEY})`, '(sk-[redacted])'],
    ['in brackets', `[${KEY}]`, '[sk-[redacted]]'],
    ['after an equals sign', `API Key = ${KEY}, next`, 'API Key = sk-[redacted], next'],
    ['at the end of a sentence', `key ${KEY}.`, 'key sk-[redacted]'],
    ['on its own', KEY, 'sk-[redacted]'],
    ['after a line break', `first\n${KEY}`, 'first\nsk-[redacted]'],
    ['as LiteLLM abbreviates it', 'Received API Key = sk-...abcd', 'Received API Key = sk-[redacted]'],
  ])('removes a key %s', (_label, text, expected) => {
    expect(redact(text)).toBe(expected);
    expect(redact(text)).not.toContain(KEY);
  });

  it('leaves words that merely contain "sk-" alone', () => {
    expect(redact('mailbox disk-full, task-force')).toBe('mailbox disk-full, task-force');
  });

  it('removes anything shaped like a LiteLLM key, including the abbreviation LiteLLM echoes', () => {
    expect(redact('Received API Key = sk-...abcd, next sk-AbC_12-x9.')).toBe(
      'Received API Key = sk-[redacted], next sk-[redacted]',
    );
  });

  it('removes key hashes and bearer tokens', () => {
    const hash = 'a'.repeat(64);
    expect(redact(`Key Hash (Token) =${hash} Bearer abc.def`)).toBe(
      'Key Hash (Token) =[hash] Bearer [redacted]',
    );
  });
});

describe('redact: URLs', () => {
  it.each([
    [
      'key',
      'GET http://proxy:4000/key/info?key=0f1e2d3c4b5a',
      'GET http://proxy:4000/key/info?key=[redacted]',
    ],
    [
      'key holding an sk- value',
      `http://proxy/key/info?key=${KEY}&x=1`,
      'http://proxy/key/info?key=[redacted]&x=1',
    ],
    ['api_key', 'https://h/x?a=1&api_key=abc123def#top', 'https://h/x?a=1&api_key=[redacted]#top'],
    ['token', 'https://h/approve?tenant=a&token=query-sekrit', 'https://h/approve?tenant=a&token=[redacted]'],
  ])('removes the %s query parameter', (_label, text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it('keeps ordinary query parameters', () => {
    expect(redact('https://h/check?tenant=a&v=2')).toBe('https://h/check?tenant=a&v=2');
  });

  it('removes the password of a URL with credentials', () => {
    expect(redact('connect to https://user:hunter22@example.com/x failed')).toBe(
      'connect to https://user:[redacted]@example.com/x failed',
    );
  });
});

describe('redact: bearer tokens', () => {
  it.each([
    ['a header line', 'Authorization: Bearer abc.def.ghi', 'Authorization: Bearer [redacted]'],
    ['any case', 'authorization: bearer eyJhbGciOi.x.y', 'authorization: Bearer [redacted]'],
    ['in JSON', '{"authorization":"Bearer t0ken"}', '{"authorization":"Bearer [redacted]"}'],
    ['with several spaces', 'Bearer    t0ken rest', 'Bearer [redacted] rest'],
  ])('removes a bearer token in %s', (_label, text, expected) => {
    expect(redact(text)).toBe(expected);
  });
});

describe('redact: repeated passes', () => {
  it('leaves already redacted text unchanged', () => {
    const once = redact(`Bearer ${KEY} ${KEY} ?key=abc sk-...abcd`, [KEY]);
    expect(redact(once, [KEY])).toBe(once);
    expect(once).not.toContain(KEY);
  });
});

describe('maskApiKeys', () => {
  it('shows every key as sk-… and its last four characters, and leaves other text alone', () => {
    expect(maskApiKeys(`key ${KEY} and export K='${KEY}' on disk-full`)).toBe(
      "key sk-…ghij and export K='sk-…ghij' on disk-full",
    );
  });

  it('masks a short key whole', () => {
    expect(maskApiKeys('sk-short123')).toBe('sk-…');
  });
});
