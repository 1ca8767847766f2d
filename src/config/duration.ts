const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses `500ms`, `30s`, `5m`, `1h`, `7d` (units in any case) into milliseconds; returns null
 * for anything else, and for zero: a setting that allows 0 says so and checks for it itself. */
export function parseDuration(text: string): number | null {
  const match = /^(\d{1,9})(ms|s|m|h|d)$/i.exec(text.trim());
  if (!match) {
    return null;
  }
  const amount = Number(match[1]);
  const unit = (match[2] ?? '').toLowerCase() as keyof typeof UNIT_MS;
  return amount > 0 ? amount * UNIT_MS[unit] : null;
}
