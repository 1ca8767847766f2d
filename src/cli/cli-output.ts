import { needsWork } from '../requests/duties.js';
import { maskedKey } from '../requests/masked-key.js';
import type { KeyRequest } from '../requests/request-types.js';

export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Stored values come from requesters, plugins and other tools; a control character (an ANSI
 * escape in a reason, say) must not reach the operator's terminal as one. */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
}

function clip(text: string, width: number): string {
  const clean = printable(text);
  return clean.length <= width ? clean : `${clean.slice(0, width - 1)}…`;
}

const COLUMNS: { title: string; width: number; value: (request: KeyRequest) => string }[] = [
  { title: 'ID', width: 64, value: (r) => r.id },
  { title: 'CREATED', width: 17, value: (r) => shortTime(r.createdAt) },
  { title: 'EMAIL', width: 40, value: (r) => r.email },
  { title: 'MODEL', width: 32, value: (r) => r.model },
  { title: 'STATUS', width: 20, value: statusCell },
  { title: 'REASON', width: 40, value: (r) => r.reason ?? '' },
  { title: 'KEY', width: 12, value: (r) => maskedKey(r) ?? '' },
  { title: 'ATTEMPTS', width: 8, value: (r) => String(r.work.attempts) },
];

/** A plain-text table, one request per line, columns as wide as their widest cell (capped). */
export function formatTable(requests: readonly KeyRequest[]): string {
  const rows = requests.map((request) => COLUMNS.map((column) => clip(column.value(request), column.width)));
  const widths = COLUMNS.map((column, index) =>
    Math.max(column.title.length, ...rows.map((row) => row[index]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(COLUMNS.map((column) => column.title)), ...rows.map(line), ''].join('\n');
}

/** `show`: every field on its own line, what the worker still has to do, then the history. */
export function formatRequest(request: KeyRequest, now: Date = new Date()): string {
  const failure = request.notificationFailure;
  const fields: [string, string][] = [
    ['request_id', request.id],
    ['email', request.email],
    ['model', request.model],
    ['status', request.state],
    ['reason', request.reason ?? '-'],
    ['api_key', maskedKey(request) ?? '-'],
    ['expires_at', request.expiresAt ?? '-'],
    ['cycle', String(request.cycle)],
    ['created_at', request.createdAt],
    ['updated_at', request.updatedAt],
    ['attempts', String(request.work.attempts)],
    ['last_error', request.work.lastError ?? '-'],
    [
      'mail_error',
      failure === null
        ? '-'
        : `${failure.kind} mail given up at ${failure.at}: ${failure.error} (resend <id>)`,
    ],
    ['worker', workerNote(request, now)],
  ];
  const width = Math.max(...fields.map(([name]) => name.length));
  const lines = fields.map(([name, value]) => `${name.padEnd(width)}  ${printable(value)}\n`).join('');
  return `${lines}\nhistory (oldest first):\n${formatHistory(request.history)}`;
}

/** The audit trail as aligned columns: time, actor, action, state change, reason. */
function formatHistory(history: KeyRequest['history']): string {
  if (history.length === 0) {
    return '  (none)\n';
  }
  const rows = history.map((entry) =>
    [
      shortTime(entry.at),
      entry.actor,
      entry.action,
      entry.from === entry.to ? (entry.to ?? '') : `${entry.from ?? ''} -> ${entry.to ?? ''}`.trim(),
      entry.reason ?? '',
    ].map(printable),
  );
  const widths = [0, 1, 2, 3].map((index) => Math.max(...rows.map((row) => row[index]?.length ?? 0)));
  return rows
    .map(
      (row) =>
        `  ${row
          .map((cell, index) => cell.padEnd(widths[index] ?? 0))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}

/** What the worker owes a request in its state (its duty), for `show` and decision output. */
export function pendingDuty(request: Pick<KeyRequest, 'state' | 'apiKey'>): string {
  switch (request.state) {
    case 'pending':
      return 'run the approval chain';
    case 'approved':
      return request.apiKey === null ? 'mint the key and mail it' : 'mail the key';
    case 'denied':
      return 'mail the reason to the requester';
    case 'in-review':
      return 'notify the reviewers';
    case 'revoked':
      return 'delete the key on LiteLLM and mail the requester';
    case 'expired':
      return 'record the expiry';
  }
}

function workerNote(request: KeyRequest, now: Date): string {
  if (!needsWork(request)) {
    return 'done';
  }
  const retry =
    request.work.nextAttemptAt > now.getTime()
      ? `, next attempt after ${new Date(request.work.nextAttemptAt).toISOString()}`
      : '';
  const holder = request.work.owner === null ? '' : `, in progress (${request.work.owner})`;
  return `to do: ${pendingDuty(request)}${holder}${retry}`;
}

/** A decided request the worker has not finished with is marked, e.g. `approved (queued)`
 * right after an approval: there is no key yet. Pending is always queued, so left plain. */
function statusCell(request: KeyRequest): string {
  return request.state !== 'pending' && needsWork(request) ? `${request.state} (queued)` : request.state;
}

/** `2024-05-01T12:34:56.789Z` -> `2024-05-01 12:34Z`; other shapes (the old service wrote
 * timestamps without a zone) are shown as they are. */
function shortTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})[^Z]*Z$/.exec(iso);
  return match ? `${match[1]} ${match[2]}Z` : iso;
}

/** Milliseconds as the config writes them: `500ms`, `30s`, `5m`, `1h`. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) {
      return `${ms / size}${unit}`;
    }
  }
  return `${ms}ms`;
}
