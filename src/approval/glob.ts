/** fnmatch-style patterns, as the Python service matched them:
 *
 * - `*` any run of characters (including none, `/` and line breaks);
 * - `?` exactly one character (one Unicode code point);
 * - `[seq]` one character of the set, `[!seq]` one character not in it; `a-z` is a
 *   range, a `-` first or last is literal, a `]` right after `[` or `[!` is literal,
 *   a reversed range (`[z-a]`) is empty, and a `[` without a closing `]` is literal;
 * - every other character is literal: there is no escape character, so `\`, `.`,
 *   `+`, `(` and `^` all stand for themselves (`[^a]` is the set `^` or `a`, as in Python).
 *
 * The whole text must match. Matching is case-sensitive by default, like Python's
 * `fnmatch.fnmatchcase` (model ids are case-sensitive in LiteLLM); `caseInsensitive`
 * is for email addresses.
 *
 * Each pattern is compiled once to a RegExp. A naive translation of `*x*y*z` to
 * `.*x.*y.*z` backtracks polynomially on long non-matching input, and the input here
 * comes from anonymous users; so, like CPython, every `*` except the last matches
 * lazily inside an atomic group (spelled `(?=(.*?x))\1` in JavaScript), which keeps
 * matching linear in practice. Taking the leftmost occurrence of each fixed piece is
 * never wrong, because the pieces between stars have a fixed length. */

export interface GlobOptions {
  caseInsensitive?: boolean;
}

export interface Glob {
  readonly pattern: string;
  matches(text: string): boolean;
}

export function compileGlob(pattern: string, options: GlobOptions = {}): Glob {
  const regex = globToRegExp(pattern, options);
  return {
    pattern,
    // No `g` or `y` flag: `test` keeps no state between calls.
    matches: (text) => regex.test(text),
  };
}

/** The first glob matching `text`, if any. */
export function firstMatch(globs: readonly Glob[], text: string): Glob | undefined {
  return globs.find((glob) => glob.matches(text));
}

type Token = { kind: 'star' } | { kind: 'one'; source: string };

export function globToRegExp(pattern: string, options: GlobOptions = {}): RegExp {
  const tokens = tokenize(pattern);
  const stars = tokens.flatMap((token, index) => (token.kind === 'star' ? [index] : []));
  const piece = (from: number, to: number) =>
    tokens
      .slice(from, to)
      .map((token) => (token.kind === 'one' ? token.source : ''))
      .join('');

  let source: string;
  const firstStar = stars[0];
  const lastStar = stars.at(-1);
  if (firstStar === undefined || lastStar === undefined) {
    source = piece(0, tokens.length);
  } else {
    source = piece(0, firstStar);
    for (let i = 0; i + 1 < stars.length; i += 1) {
      const group = i + 1;
      // A lookahead is atomic in JavaScript: once `.*?x` has matched, the engine never
      // comes back to try a longer run, and `\N` consumes exactly what it matched.
      source += `(?=(.*?${piece((stars[i] ?? 0) + 1, stars[i + 1] ?? 0)}))(?:\\${group})`;
    }
    source += `.*${piece(lastStar + 1, tokens.length)}`;
  }
  return new RegExp(`^(?:${source})$`, options.caseInsensitive ? 'isu' : 'su');
}

function tokenize(pattern: string): Token[] {
  const chars = Array.from(pattern);
  const tokens: Token[] = [];
  let i = 0;
  while (i < chars.length) {
    const char = chars[i] ?? '';
    i += 1;
    if (char === '*') {
      // `**` means the same as `*`; one star keeps the regex small.
      if (tokens.at(-1)?.kind !== 'star') {
        tokens.push({ kind: 'star' });
      }
    } else if (char === '?') {
      tokens.push({ kind: 'one', source: '.' });
    } else if (char === '[') {
      const set = readSet(chars, i);
      if (set === null) {
        tokens.push({ kind: 'one', source: '\\[' });
      } else {
        tokens.push({ kind: 'one', source: set.source });
        i = set.next;
      }
    } else {
      tokens.push({ kind: 'one', source: escapeLiteral(char) });
    }
  }
  return tokens;
}

/** Reads a set whose `[` is just before `start`; null when it is never closed. */
function readSet(chars: string[], start: number): { source: string; next: number } | null {
  let j = start;
  const negated = chars[j] === '!';
  if (negated) {
    j += 1;
  }
  const first = j;
  if (chars[j] === ']') {
    j += 1;
  }
  while (j < chars.length && chars[j] !== ']') {
    j += 1;
  }
  if (j >= chars.length) {
    return null;
  }
  const members = chars.slice(first, j);
  let items = '';
  let k = 0;
  while (k < members.length) {
    const low = members[k] ?? '';
    const high = members[k + 2];
    if (members[k + 1] === '-' && high !== undefined) {
      // Python drops reversed ranges (they are errors in a regex): they match nothing.
      if ((low.codePointAt(0) ?? 0) <= (high.codePointAt(0) ?? 0)) {
        items += `${escapeInSet(low)}-${escapeInSet(high)}`;
      }
      k += 3;
    } else {
      items += escapeInSet(low);
      k += 1;
    }
  }
  let source: string;
  if (items === '') {
    source = negated ? '[\\s\\S]' : '(?!)';
  } else {
    source = negated ? `[^${items}]` : `[${items}]`;
  }
  return { source, next: j + 1 };
}

/** Escapes exactly the characters the `u` flag allows (and requires) to be escaped. */
function escapeLiteral(char: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(char) ? `\\${char}` : char;
}

function escapeInSet(char: string): string {
  return /[\\\]^[-]/.test(char) ? `\\${char}` : char;
}
