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
