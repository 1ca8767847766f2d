export type EmailShapeProblem = 'empty' | 'spaces' | 'shape';

/** A convenience check before submitting: catches typos such as a missing `@`.
 * Deliberately loose; the server's rule is the authority and its 422 is shown next to the field. */
export function emailShapeProblem(raw: string): EmailShapeProblem | null {
  const email = raw.trim();
  if (email === '') {
    return 'empty';
  }
  if (/\s/.test(email)) {
    return 'spaces';
  }
  if (!/^[^@]+@[^@]+$/.test(email)) {
    return 'shape';
  }
  return null;
}
