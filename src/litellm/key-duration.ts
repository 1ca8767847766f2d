const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** When a key given LiteLLM's `duration` at `from` (epoch ms) expires, as ISO 8601 UTC: the
 * fallback for an answer that did not state `expires` (docs/design.md, "Key lifecycle").
 * LiteLLM's grammar (`duration_in_seconds`): a whole number followed by `s`, `m`, `h`, `d`,
 * `w` or `mo` (calendar months). Null for `-1` (never expires) and for anything LiteLLM would
 * not read either: better no expiry than a guessed one. */
export function expiryAfter(from: number, duration: string): string | null {
  const match = /^(\d+)(mo|[smhdw])$/.exec(duration.trim());
  if (match === null) {
    return null;
  }
  const amount = Number(match[1]);
  const unit = match[2] ?? '';
  if (unit === 'mo') {
    const date = new Date(from);
    date.setUTCMonth(date.getUTCMonth() + amount);
    return date.toISOString();
  }
  return new Date(from + amount * (UNIT_SECONDS[unit] ?? 0) * 1000).toISOString();
}
