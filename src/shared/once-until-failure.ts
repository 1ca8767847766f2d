/** `load` run once and its promise shared by every caller, as long as it succeeds: a failed run
 * is not remembered, so the next call tries again (a store or an import that failed once may
 * work a moment later). */
export function onceUntilFailure<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    if (pending === null) {
      const attempt = load();
      pending = attempt;
      attempt.catch(() => {
        if (pending === attempt) {
          pending = null;
        }
      });
    }
    return pending;
  };
}
