/** A configuration problem, found before the server listens. `path` names the
 * offending key the way an operator writes it: `approval_plugins[2].config.list`
 * or an env var name such as `SMTP_PORT`. */
export class ConfigError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/** `/approval_plugins/2/config/list` -> `approval_plugins[2].config.list` */
export function pointerToPath(pointer: string, prefix = ''): string {
  let path = prefix;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    path += /^\d+$/.test(key) ? `[${key}]` : path === '' ? key : `.${key}`;
  }
  return path === '' ? '(root)' : path;
}

/** The shape of a typebox validation issue (`Value.Errors`). */
export interface SchemaIssue {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  message: string;
  params: Record<string, unknown>;
}

/** A problem at a JSON pointer into the validated value, worded for an operator. */
export interface SchemaProblem {
  pointer: string;
  problem: string;
}

/** The one translator from schema issues to an operator's words, for the config file and for
 * each approval plugin's own config. It reports the first issue in schema order (a missing key
 * comes before the object's other problems), except that an unknown key which looks like a
 * misspelling of a missing one is reported instead: `nme` is a typo, and saying "name is
 * required" would send the operator looking for the wrong thing. The value of a field is
 * never echoed, as it may be a secret. */
export function firstSchemaProblem(issues: Iterable<SchemaIssue>): SchemaProblem | null {
  const all = [...issues];
  const unions = all.filter((issue) => issue.keyword === 'anyOf');
  // typebox reports `additionalProperties: false` twice, once as a false schema at the extra key;
  // and a union branch failing at the union's own value is better told by the union's issue.
  const telling = all.filter(
    (issue) => issue.keyword !== 'boolean' && !unions.some((union) => isBranchOf(issue, union)),
  );
  const issue = telling.find((candidate) => isTypo(candidate, telling)) ?? telling[0];
  if (!issue) {
    return all[0] ? { pointer: all[0].instancePath, problem: 'unknown key' } : null;
  }
  switch (issue.keyword) {
    case 'additionalProperties':
      return { pointer: childPointer(issue, 'additionalProperties'), problem: 'unknown key' };
    case 'required':
      return { pointer: childPointer(issue, 'requiredProperties'), problem: 'is required' };
    case 'minLength':
      return {
        pointer: issue.instancePath,
        problem: issue.params.limit === 1 ? 'must not be empty' : issue.message,
      };
    case 'anyOf':
      return { pointer: issue.instancePath, problem: unionProblem(issue, all) };
    default:
      return { pointer: issue.instancePath, problem: issue.message };
  }
}

/** An issue of one of `union`'s branches about the union's own value (not a value inside it). */
function isBranchOf(issue: SchemaIssue, union: SchemaIssue): boolean {
  return (
    issue.instancePath === union.instancePath && issue.schemaPath.startsWith(`${union.schemaPath}/anyOf/`)
  );
}

/** A value of the right type for one branch that breaks that branch's constraint is
 * best explained by the constraint ("must be <= 60"); otherwise list the types. */
function unionProblem(union: SchemaIssue, all: SchemaIssue[]): string {
  const branches = all.filter((issue) => isBranchOf(issue, union));
  const constraint = branches.find((issue) => issue.keyword !== 'type');
  if (constraint) {
    return constraint.message;
  }
  const types = branches.map((issue) => String(issue.params.type));
  return types.length > 0 ? `must be ${types.join(' or ')}` : union.message;
}

/** An unknown key at the same place as a missing one, and spelt almost like it. */
function isTypo(issue: SchemaIssue, all: SchemaIssue[]): boolean {
  if (issue.keyword !== 'additionalProperties') {
    return false;
  }
  const unknown = firstName(issue, 'additionalProperties');
  return all.some(
    (other) =>
      other.keyword === 'required' &&
      other.instancePath === issue.instancePath &&
      editDistance(unknown, firstName(other, 'requiredProperties')) <= 2,
  );
}

/** Levenshtein distance: how many single-character edits turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function firstName(issue: SchemaIssue, param: string): string {
  return ((issue.params[param] as string[] | undefined) ?? [])[0] ?? '?';
}

/** The pointer of the first key an issue names (`requiredProperties: [name]`). */
function childPointer(issue: SchemaIssue, param: string): string {
  const key = firstName(issue, param).replaceAll('~', '~0').replaceAll('/', '~1');
  return `${issue.instancePath}/${key}`;
}
