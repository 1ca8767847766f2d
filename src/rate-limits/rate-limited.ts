import { AppError } from '../shared/errors.js';

/** The 429 of every rate limit: `problem` and when to come back, in words for a person and
 * in `Retry-After` seconds for a program (the error handler sends the header). */
export function rateLimited(problem: string, waitMs: number): AppError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new AppError('rate-limited', `${problem}; try again in ${describeWait(seconds)}`, {
    retryAfterSeconds: seconds,
  });
}

/** "45 seconds", "12 minutes", "2 hours". */
function describeWait(seconds: number): string {
  if (seconds < 90) {
    return `${seconds} second${seconds === 1 ? '' : 's'}`;
  }
  const minutes = Math.ceil(seconds / 60);
  return minutes < 90 ? `${minutes} minutes` : `${Math.ceil(minutes / 60)} hours`;
}
