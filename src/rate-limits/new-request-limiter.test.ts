import { describe, expect, it } from 'vitest';
import { AppError } from '../shared/errors.js';
import { createNewRequestLimiter, withinNewRequestLimits } from './new-request-limiter.js';

const HOUR = 3_600_000;

function limiter(perAddress = 2, perDomain = 3) {
  let now = 0;
  const limits = createNewRequestLimiter({
    perAddress: { max: perAddress, windowMs: HOUR },
    perDomain: { max: perDomain, windowMs: HOUR },
    now: () => now,
  });
  return { limits, advance: (ms: number) => (now += ms) };
}

const created = async () => ({ created: true });
const existing = async () => ({ created: false });
const isCreated = (result: { created: boolean }) => result.created;

function rateLimitOf(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a rate-limited AppError');
}

describe('createNewRequestLimiter', () => {
  it('answers rate-limited with Retry-After seconds once an address has made its new requests', async () => {
    const { limits, advance } = limiter();
    await withinNewRequestLimits(limits, 'me@x.org', created, isCreated);
    advance(1000);
    await withinNewRequestLimits(limits, 'me@x.org', created, isCreated);
    const error = rateLimitOf(() => limits.check('me@x.org'));
    expect(error.code).toBe('rate-limited');
    expect(error.retryAfterSeconds).toBe(3599);
    expect(error.message).toBe('Too many new key requests for this email address; try again in 60 minutes');
    advance(HOUR);
    expect(() => limits.check('me@x.org')).not.toThrow();
  });

  it('counts only the submissions its predicate calls new', async () => {
    const { limits } = limiter();
    for (let i = 0; i < 5; i++) {
      await withinNewRequestLimits(limits, 'me@x.org', existing, isCreated);
    }
    await expect(withinNewRequestLimits(limits, 'me@x.org', created, isCreated)).resolves.toEqual({
      created: true,
    });
  });

  it('frees the slot of a submission that failed', async () => {
    const { limits } = limiter(1, 10);
    const failing = async (): Promise<{ created: boolean }> => {
      throw new Error('store down');
    };
    await expect(withinNewRequestLimits(limits, 'me@x.org', failing, isCreated)).rejects.toThrow(
      'store down',
    );
    await expect(withinNewRequestLimits(limits, 'me@x.org', created, isCreated)).resolves.toEqual({
      created: true,
    });
  });

  it('holds a slot while a submission is in flight, so concurrent ones cannot all pass', async () => {
    const { limits } = limiter(1, 10);
    let finish: (value: { created: boolean }) => void = () => {};
    const first = withinNewRequestLimits(
      limits,
      'me@x.org',
      () => new Promise<{ created: boolean }>((resolve) => (finish = resolve)),
      isCreated,
    );
    expect(rateLimitOf(() => limits.check('me@x.org')).code).toBe('rate-limited');
    finish({ created: true });
    await first;
    expect(rateLimitOf(() => limits.check('me@x.org')).code).toBe('rate-limited');
  });

  it('limits new requests per email domain across addresses', async () => {
    const { limits } = limiter(5, 2);
    await withinNewRequestLimits(limits, 'a@x.org', created, isCreated);
    await withinNewRequestLimits(limits, 'b@x.org', created, isCreated);
    const error = rateLimitOf(() => limits.check('c@x.org'));
    expect(error.message).toMatch(/^Too many new key requests for this email domain/);
    expect(() => limits.check('c@y.org')).not.toThrow();
  });
});
