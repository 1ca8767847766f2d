import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createRequesterTokens,
  isRequesterToken,
  requesterToken,
  requestPageUrl,
  TOKEN_SECRET_NAME,
} from './requester-token.js';

const SECRET = Buffer.alloc(32, 7);

describe('requester tokens', () => {
  it('are HMAC-SHA256 of the id, base64url, and differ per id and per secret', () => {
    const token = requesterToken(SECRET, 'req-1');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(requesterToken(SECRET, 'req-1')).toBe(token);
    expect(requesterToken(SECRET, 'req-2')).not.toBe(token);
    expect(requesterToken(randomBytes(32), 'req-1')).not.toBe(token);
  });

  it('accept only the token of that id', () => {
    const token = requesterToken(SECRET, 'req-1');
    expect(isRequesterToken(SECRET, 'req-1', token)).toBe(true);
    expect(isRequesterToken(SECRET, 'req-2', token)).toBe(false);
    expect(isRequesterToken(SECRET, 'req-1', token.slice(1))).toBe(false);
    expect(isRequesterToken(SECRET, 'req-1', `${token}x`)).toBe(false);
    expect(isRequesterToken(SECRET, 'req-1', '')).toBe(false);
  });

  it('make the page link under the public URL', () => {
    expect(requestPageUrl('https://keys.example.com/', 'req-1', 'tok')).toBe(
      'https://keys.example.com/requests/req-1?token=tok',
    );
  });
});

describe('createRequesterTokens', () => {
  it("reads the store's token-key once, and again after a failed read", async () => {
    const asked: string[] = [];
    let failNext = true;
    const tokens = createRequesterTokens({
      publicUrl: 'http://localhost:8000',
      store: {
        async sharedSecret(name) {
          asked.push(name);
          if (failNext) {
            failNext = false;
            throw new Error('store down');
          }
          return SECRET;
        },
      },
    });
    await expect(tokens.tokenAndPageUrl('req-1')).rejects.toThrow('store down');
    const { token } = await tokens.tokenAndPageUrl('req-1');
    expect(token).toBe(requesterToken(SECRET, 'req-1'));
    expect(await tokens.verify('req-1', token)).toBe(true);
    expect(await tokens.verify('req-1', undefined)).toBe(false);
    expect(await tokens.pageUrl('req-1')).toBe(`http://localhost:8000/requests/req-1?token=${token}`);
    expect(asked).toEqual([TOKEN_SECRET_NAME, TOKEN_SECRET_NAME]);
  });
});
