import type { AdminService } from '../admin/admin-service.js';
import type { ModelCatalog } from '../models/model-catalog.js';
import type { RequestService } from '../requests/request-service.js';
import type { ToolLog } from './tool-result.js';

/** What the MCP tools work with, for one authenticated HTTP request. */
export interface McpToolsDeps {
  admin: Pick<AdminService, 'list' | 'get' | 'decide'>;
  catalog: Pick<ModelCatalog, 'list'>;
  requests: Pick<RequestService, 'submit'>;
  /** The authenticated caller (the admin user, or `mcp:api-key`): the deciding actor, named in
   * default reasons and in the decision log. */
  user: string;
  log: ToolLog;
}
