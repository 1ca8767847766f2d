type LogFn = (fields: Record<string, unknown>, message: string) => void;

/** The part of a pino logger the Kubernetes store uses. It never receives Secret data:
 * only names, states, counts and error messages built without Secret contents. */
export interface KubernetesStoreLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
}
