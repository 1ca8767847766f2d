import type { IconifyAliases, IconifyIcons, IconifyJSON } from '@iconify/types';

/** How far an alias may point at another alias before the set counts as broken. */
const MAX_ALIAS_DEPTH = 10;

/** The part of an Iconify icon set (the `icons.json` of an `@iconify-json/<prefix>` package)
 * that the named icons need: the set's default dimensions, the icons, and the aliases that
 * lead to them. A whole set is several megabytes of JSON; parsing it would leave the process
 * some 15-20 MB larger for good, so the text is scanned and only the wanted entries are parsed.
 * A name the set does not have is simply absent from the result. */
export function iconSubset(json: Buffer, names: Iterable<string>): IconifyJSON {
  const top = entryRanges(json, 0);
  const value = (range: Range | undefined): unknown =>
    range === undefined ? undefined : JSON.parse(json.toString('utf8', range[0], range[1]));
  const allIcons = membersAt(json, top.get('icons'));
  const allAliases = membersAt(json, top.get('aliases'));

  const icons: IconifyIcons = {};
  const aliases: IconifyAliases = {};
  for (const wanted of names) {
    let name = wanted;
    for (let depth = 0; depth <= MAX_ALIAS_DEPTH; depth++) {
      const icon = allIcons.get(name);
      if (icon !== undefined) {
        icons[name] = value(icon) as IconifyIcons[string];
        break;
      }
      const alias = value(allAliases.get(name)) as IconifyAliases[string] | undefined;
      if (typeof alias?.parent !== 'string') {
        break;
      }
      aliases[name] = alias;
      name = alias.parent;
    }
  }

  const subset: IconifyJSON = { prefix: String(value(top.get('prefix')) ?? ''), icons, aliases };
  for (const key of ['width', 'height', 'left', 'top'] as const) {
    const dimension = value(top.get(key));
    if (typeof dimension === 'number') {
      subset[key] = dimension;
    }
  }
  return subset;
}

/** Byte offsets [start, end) of one JSON value inside the buffer. */
type Range = [number, number];

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** The members of the object at `range`; none when the set has no such object. */
function membersAt(json: Buffer, range: Range | undefined): Map<string, Range> {
  return range === undefined ? new Map() : entryRanges(json, range[0]);
}

/** The members of the JSON object starting at `start` (after whitespace): each key, decoded,
 * with the range of its value, which is skipped over, not parsed. UTF-8 never uses the bytes
 * of `"`, `\`, braces or brackets inside a multi-byte character, so a byte scan is exact. */
function entryRanges(json: Buffer, start: number): Map<string, Range> {
  const entries = new Map<string, Range>();
  let at = expect(json, skipSpace(json, start), OPEN_BRACE);
  for (;;) {
    at = skipSpace(json, at);
    if (json[at] === CLOSE_BRACE) {
      return entries;
    }
    if (entries.size > 0) {
      at = skipSpace(json, expect(json, at, COMMA));
    }
    const keyEnd = skipString(json, at);
    const key = JSON.parse(json.toString('utf8', at, keyEnd)) as string;
    const valueStart = skipSpace(json, expect(json, skipSpace(json, keyEnd), COLON));
    const valueEnd = skipValue(json, valueStart);
    entries.set(key, [valueStart, valueEnd]);
    at = valueEnd;
  }
}

function skipValue(json: Buffer, start: number): number {
  const first = json[start];
  if (first === QUOTE) {
    return skipString(json, start);
  }
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    let at = start;
    while (at < json.length) {
      const byte = json[at];
      if (byte === QUOTE) {
        at = skipString(json, at);
        continue;
      }
      if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
        depth++;
      } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) {
          return at + 1;
        }
      }
      at++;
    }
    throw new SyntaxError('unterminated object or array in icon set');
  }
  // A number, true, false or null: up to the next separator.
  let at = start;
  while (at < json.length && json[at] !== COMMA && json[at] !== CLOSE_BRACE && json[at] !== CLOSE_BRACKET) {
    at++;
  }
  return at;
}

/** From the opening quote to just past the closing one. Strings (the SVG bodies) are most of
 * a set's bytes, so the closing quote is found with Buffer.indexOf (native), then checked
 * for being escaped: preceded by an odd number of backslashes. */
function skipString(json: Buffer, start: number): number {
  expect(json, start, QUOTE);
  let from = start + 1;
  for (;;) {
    const quote = json.indexOf(QUOTE, from);
    if (quote === -1) {
      throw new SyntaxError('unterminated string in icon set');
    }
    let backslashes = 0;
    while (json[quote - 1 - backslashes] === BACKSLASH) {
      backslashes++;
    }
    if (backslashes % 2 === 0) {
      return quote + 1;
    }
    from = quote + 1;
  }
}

function skipSpace(json: Buffer, start: number): number {
  let at = start;
  while (json[at] === 0x20 || json[at] === 0x0a || json[at] === 0x0d || json[at] === 0x09) {
    at++;
  }
  return at;
}

function expect(json: Buffer, at: number, byte: number): number {
  if (json[at] !== byte) {
    throw new SyntaxError(`icon set: expected ${String.fromCharCode(byte)} at byte ${at}`);
  }
  return at + 1;
}
