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

/** The shape of a typebox/ajv validation issue. */
export interface SchemaIssue {
  keyword: string;
  instancePath: string;
  message: string;
  params: Record<string, unknown>;
}

const PRIORITY = ['additionalProperties', 'required'];

/** Picks the most telling issue and words it for an operator. An unknown key is reported
 * before anything else (it is usually a typo that also explains a "required" issue),
 * and the value of a field is never echoed, as it may be a secret.
 * `prefix` is prepended to paths, e.g. `approval_plugins[2].config`. */
export function firstSchemaProblem(issues: Iterable<SchemaIssue>, prefix = ''): ConfigError | null {
  const all = [...issues];
  const rank = (issue: SchemaIssue) => {
    const index = PRIORITY.indexOf(issue.keyword);
    return index === -1 ? PRIORITY.length : index;
  };
  const [issue] = all.filter((i) => i.keyword !== 'boolean').sort((a, b) => rank(a) - rank(b));
  if (!issue) {
    return all[0] ? new ConfigError(pointerToPath(all[0].instancePath, prefix), 'unknown key') : null;
  }
  if (issue.keyword === 'additionalProperties') {
    const names = (issue.params.additionalProperties as string[] | undefined) ?? [];
    return new ConfigError(pointerToPath(`${issue.instancePath}/${names[0] ?? '?'}`, prefix), 'unknown key');
  }
  if (issue.keyword === 'required') {
    const names = (issue.params.requiredProperties as string[] | undefined) ?? [];
    return new ConfigError(pointerToPath(`${issue.instancePath}/${names[0] ?? '?'}`, prefix), 'is required');
  }
  return new ConfigError(pointerToPath(issue.instancePath, prefix), issue.message);
}
