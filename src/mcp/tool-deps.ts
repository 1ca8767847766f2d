import type { AdminService } from '../admin/admin-service.js';
import type { ModelCatalog } from '../models/model-catalog.js';
import type { RequestService } from '../requests/request-service.js';
import type { ToolLog } from './tool-result.js';

/** What the MCP tools work with, for one authenticated HTTP request. */
export interface McpToolsDeps {
  admin: Pick<AdminService, 'list' | 'get' | 'decide' | 'resend'>;
  catalog: Pick<ModelCatalog, 'list'>;
  requests: Pick<RequestService, 'submit'>;
  /** The authenticated caller (the admin user, or `api-key` for the MCP key): named in the
   * decision log, and in the history as `mcp:<user>`. */
  user: string;
  log: ToolLog;
}
