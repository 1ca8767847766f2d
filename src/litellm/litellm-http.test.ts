import { describe, expect, it } from 'vitest';
import { readBounded, redactSecrets, untilAborted } from './litellm-http.js';

describe('redactSecrets', () => {
  it('removes the given secrets wherever they appear', () => {
    expect(
      redactSecrets('token=master-secret-value; again master-secret-value', ['master-secret-value']),
    ).toBe('token=[redacted]; again [redacted]');
  });

  it('removes anything shaped like a LiteLLM key, including the abbreviation LiteLLM echoes', () => {
    expect(redactSecrets('Received API Key = sk-...abcd, next sk-AbC_12-x9.', [])).toBe(
      'Received API Key = sk-[redacted], next sk-[redacted]',
    );
  });

  it('removes key hashes and bearer tokens', () => {
    const hash = 'a'.repeat(64);
    expect(redactSecrets(`Key Hash (Token) =${hash} Bearer abc.def`, [])).toBe(
      'Key Hash (Token) =[hash] Bearer [redacted]',
    );
  });

  it('ignores secrets too short to be told apart from ordinary text', () => {
    expect(redactSecrets('a plain message', ['', 'a'])).toBe('a plain message');
  });
});

/** A body that never ends and knows nothing of any signal: what fetch hands back when
 * undici has lost its link to the timeout signal (nodejs/undici#4627). */
function endlessBody(onCancel: () => void): Response {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"data":['));
    },
    cancel() {
      onCancel();
    },
  });
  return new Response(stream);
}

describe('readBounded', () => {
  it('gives up and cancels the body when the signal aborts, even if the stream ignores it', async () => {
    let cancelled = false;
    const body = endlessBody(() => {
      cancelled = true;
    });

    await expect(readBounded(body, 1024, AbortSignal.timeout(50))).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(cancelled).toBe(true);
  });

  it('stops at the limit and says the body was cut', async () => {
    const result = await readBounded(new Response('x'.repeat(100)), 10, AbortSignal.timeout(5_000));

    expect(result).toEqual({ text: 'x'.repeat(10), truncated: true });
  });

  it('reads a body within the limit completely', async () => {
    const result = await readBounded(new Response('{"ok":true}'), 1024, AbortSignal.timeout(5_000));

    expect(result).toEqual({ text: '{"ok":true}', truncated: false });
  });
});

describe('untilAborted', () => {
  it('rejects when the signal aborts although the work never settles', async () => {
    const never = new Promise<never>(() => undefined);

    await expect(untilAborted(AbortSignal.timeout(50), never)).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });

  it('passes the result of work that finishes first', async () => {
    await expect(untilAborted(AbortSignal.timeout(5_000), Promise.resolve(42))).resolves.toBe(42);
  });
});
