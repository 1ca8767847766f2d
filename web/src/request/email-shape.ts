/** A convenience check before submitting: catches typos such as a missing `@`.
 * Deliberately loose; the server's rule is the authority and its 422 message is shown as is. */
export function emailShapeProblem(raw: string): string | null {
  const email = raw.trim();
  if (email === '') {
    return 'Enter your email address.';
  }
  if (/\s/.test(email)) {
    return 'An email address cannot contain spaces.';
  }
  if (!/^[^@]+@[^@]+$/.test(email)) {
    return 'Enter an email address like name@example.com.';
  }
  return null;
}
