/** Label selectors with the grammar and semantics of k8s.io/apimachinery `labels.Parse`:
 * comma-separated requirements, each one of `key`, `!key`, `key=v`, `key==v`, `key!=v`,
 * `key in (a,b)`, `key notin (a,b)`, `key>n`, `key<n`. All requirements must hold.
 * `!=` and `notin` also match objects that lack the label, as on a real API server. */

export type Requirement =
  | { key: string; op: 'exists' | 'absent' }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'gt' | 'lt'; value: number };

export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
export function isValidLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (slash !== -1) {
    const prefix = key.slice(0, slash);
    if (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)) {
      return false;
    }
  }
  return name.length > 0 && name.length <= 63 && NAME.test(name);
}

/** A label value: empty, or at most 63 characters of the name alphabet. */
export function isValidLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && NAME.test(value));
}

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'op'; text: '=' | '==' | '!=' | '!' | '(' | ')' | ',' | '<' | '>' };

const OPERATOR_CHARS = new Set(['=', '!', '(', ')', ',', '<', '>']);

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input.charAt(i);
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (OPERATOR_CHARS.has(ch)) {
      const pair = input.slice(i, i + 2);
      if (pair === '==' || pair === '!=') {
        tokens.push({ kind: 'op', text: pair });
        i += 2;
      } else {
        tokens.push({ kind: 'op', text: ch as '=' | '!' | '(' | ')' | ',' | '<' | '>' });
        i++;
      }
      continue;
    }
    let end = i;
    while (end < input.length && !/\s/.test(input.charAt(end)) && !OPERATOR_CHARS.has(input.charAt(end))) {
      end++;
    }
    tokens.push({ kind: 'word', text: input.slice(i, end) });
    i = end;
  }
  return tokens;
}

/** Parses a selector; the empty string selects everything. Throws SelectorError like the API server's 400. */
export function parseLabelSelector(input: string): Requirement[] {
  const tokens = tokenize(input);
  const requirements: Requirement[] = [];
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const next = (): Token | undefined => tokens[pos++];
  const fail = (why: string): never => {
    throw new SelectorError(`unable to parse requirement: ${why}`);
  };
  const key = (text: string): string => {
    if (!isValidLabelKey(text)) {
      fail(`invalid label key "${text}"`);
    }
    return text;
  };
  const value = (token: Token | undefined): string => {
    if (token === undefined || token.kind !== 'word') {
      // `key=` (empty value) is legal and means "label present with the empty value".
      pos -= token === undefined ? 0 : 1;
      return '';
    }
    if (!isValidLabelValue(token.text)) {
      fail(`invalid label value "${token.text}"`);
    }
    return token.text;
  };
  const valueSet = (): string[] => {
    const open = next();
    if (open?.kind !== 'op' || open.text !== '(') {
      fail('expected "(" after in/notin');
    }
    const values: string[] = [];
    for (;;) {
      const token = next();
      if (token === undefined) {
        return fail('unterminated value set');
      }
      if (token.kind === 'word') {
        values.push(value(token));
        continue;
      }
      if (token.text === ',') {
        continue;
      }
      if (token.text === ')') {
        break;
      }
      fail(`unexpected "${token.text}" in value set`);
    }
    if (values.length === 0) {
      fail('for "in", "notin" operators, values set can\'t be empty');
    }
    return values;
  };

  while (pos < tokens.length) {
    const first = next();
    if (first?.kind === 'op' && first.text === '!') {
      const name = next();
      if (name?.kind !== 'word') {
        fail('expected a label key after "!"');
      } else {
        requirements.push({ key: key(name.text), op: 'absent' });
      }
    } else if (first?.kind === 'word') {
      const name = key(first.text);
      const op = peek();
      if (op === undefined || (op.kind === 'op' && op.text === ',')) {
        requirements.push({ key: name, op: 'exists' });
      } else if (op.kind === 'word' && (op.text === 'in' || op.text === 'notin')) {
        next();
        requirements.push({ key: name, op: op.text, values: valueSet() });
      } else if (op.kind === 'op' && (op.text === '=' || op.text === '==' || op.text === '!=')) {
        next();
        requirements.push({ key: name, op: op.text === '!=' ? 'notin' : 'in', values: [value(next())] });
      } else if (op.kind === 'op' && (op.text === '<' || op.text === '>')) {
        next();
        const bound = next();
        const number = bound?.kind === 'word' ? Number(bound.text) : Number.NaN;
        if (bound?.kind !== 'word' || !/^-?\d+$/.test(bound.text) || !Number.isSafeInteger(number)) {
          fail(`for "${op.text}" the value must be an integer`);
        }
        requirements.push({ key: name, op: op.text === '>' ? 'gt' : 'lt', value: number });
      } else {
        fail(`unexpected "${op.text}" after key "${name}"`);
      }
    } else {
      fail(`unexpected "${first?.text ?? ''}"`);
    }
    const separator = next();
    if (separator !== undefined && !(separator.kind === 'op' && separator.text === ',')) {
      fail(`expected "," but found "${separator.text}"`);
    }
    if (separator !== undefined && pos >= tokens.length) {
      fail('trailing ","');
    }
  }
  return requirements;
}

export function matchesLabels(
  requirements: Requirement[],
  labels: Record<string, string> | undefined,
): boolean {
  const all = labels ?? {};
  return requirements.every((req) =>
    matchesRequirement(req, Object.hasOwn(all, req.key) ? all[req.key] : undefined),
  );
}

function matchesRequirement(req: Requirement, actual: string | undefined): boolean {
  switch (req.op) {
    case 'exists':
      return actual !== undefined;
    case 'absent':
      return actual === undefined;
    case 'in':
      return actual !== undefined && req.values.includes(actual);
    case 'notin':
      return actual === undefined || !req.values.includes(actual);
    default: {
      if (actual === undefined || !/^-?\d+$/.test(actual)) {
        return false;
      }
      const n = Number(actual);
      return req.op === 'gt' ? n > req.value : n < req.value;
    }
  }
}
