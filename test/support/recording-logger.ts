import type { Logger } from '../../src/shared/logger.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  level: Level;
  fields: Record<string, unknown>;
  message: string;
}

/** A logger that keeps what it was told, so tests can assert on log lines (and on secrets not being in them). */
export function recordingLogger(): { logger: Pick<Logger, Level>; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: Level) =>
    (fields: Record<string, unknown>, message: string): void => {
      entries.push({ level, fields, message });
    };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, entries };
}
