import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AppError, STORE_UNAVAILABLE_MESSAGE } from '../shared/errors.js';

export interface ToolLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const ERROR_LABEL: Record<AppError['code'], string> = {
  validation: 'Invalid input',
  'not-found': 'Not found',
  unauthorized: 'Unauthorized',
  conflict: 'Not allowed',
  'rate-limited': 'Too many requests',
  'store-unavailable': 'Store unavailable',
  unreachable: 'Dependency unreachable',
  timeout: 'Dependency timed out',
  'bad-response': 'Unusable dependency answer',
  rejected: 'Rejected',
  internal: 'Internal error',
};

/** How a tool answers. `ours`: pretty JSON text and the value as `structuredContent`; errors
 * carry `{success:false, error, message}`. `original`: the original service's tools (a Python
 * MCP library's conventions, which its clients parse): compact JSON text, a list wrapped as
 * `{"result": [...]}`, and errors as the text `Error calling tool '<name>': <message>`. */
export type ToolStyle = 'ours' | 'original';

const TOOL_FAILED = 'Internal error: the tool failed; the server log has the details';

/** Runs a tool. Expected failures (unknown id, a transition the state does not allow, store
 * down) are tool results with isError, so the model can read and react; only the SDK's own
 * protocol errors are JSON-RPC errors. Unexpected errors and `internal` ones (a bug, a corrupt
 * record) are logged as errors, never echoed, as over HTTP. */
export async function runTool(
  tool: string,
  style: ToolStyle,
  log: ToolLog,
  work: () => Promise<Record<string, unknown> | unknown[]>,
): Promise<CallToolResult> {
  try {
    const value = await work();
    const structured = Array.isArray(value) ? { result: value } : value;
    const text = style === 'ours' ? JSON.stringify(value, null, 2) : JSON.stringify(value);
    return { content: [{ type: 'text', text }], structuredContent: structured };
  } catch (error) {
    if (error instanceof AppError && error.code !== 'internal') {
      if (error.code === 'store-unavailable') {
        // As over HTTP: the details (which API server, namespace or file) stay in the log.
        log.error({ err: error.cause ?? error, tool }, error.message);
        return failure(tool, style, error.code, `${ERROR_LABEL[error.code]}: ${STORE_UNAVAILABLE_MESSAGE}`);
      }
      return failure(tool, style, error.code, `${ERROR_LABEL[error.code]}: ${error.message}`);
    }
    if (error instanceof AppError) {
      log.error({ err: error.cause ?? error, code: error.code, tool }, error.message);
    } else {
      log.error({ err: error, tool }, 'MCP tool failed');
    }
    return failure(tool, style, 'internal', TOOL_FAILED);
  }
}

function failure(tool: string, style: ToolStyle, code: string, message: string): CallToolResult {
  if (style === 'original') {
    return { isError: true, content: [{ type: 'text', text: `Error calling tool '${tool}': ${message}` }] };
  }
  return {
    isError: true,
    content: [{ type: 'text', text: message }],
    structuredContent: { success: false, error: code, message },
  };
}
