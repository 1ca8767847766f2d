/** A visually hidden live region that is always in the page, so screen readers announce
 * each new message (a region inserted together with its text is often not announced).
 * The visible content it summarises is rendered separately and is not live itself. */
export function LiveMessage({ text, assertive = false }: { text: string; assertive?: boolean }) {
  return (
    <p
      className="visually-hidden"
      role={assertive ? 'alert' : 'status'}
      aria-live={assertive ? 'assertive' : 'polite'}
    >
      {text}
    </p>
  );
}
