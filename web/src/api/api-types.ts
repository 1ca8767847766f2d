/** Shapes of the service's HTTP API (DESIGN.md "HTTP API"), as the UI reads them. */

export const REQUEST_STATES = ['pending', 'approved', 'denied', 'in-review', 'revoked'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export interface Model {
  id: string;
  title: string;
  icon?: string;
  color?: string;
  description?: string;
  subtitle?: string;
  documentation_link?: string;
  featured?: boolean;
}

export interface ModelList {
  models: Model[];
}

export interface SubmitReply {
  message: string;
  success: true;
  request_id: string;
  status: RequestState;
}

export interface RequestStatus {
  request_id: string;
  model: string;
  status: RequestState;
  reason?: string;
  created_at: string;
  updated_at: string;
}

export const ADMIN_FILTERS = ['review', 'pending', 'approved', 'denied', 'revoked', 'all'] as const;
export type AdminFilter = (typeof ADMIN_FILTERS)[number];

export interface AdminRequest {
  request_id: string;
  email: string;
  model: string;
  status: RequestState;
  reason?: string;
  /** Masked by the server (`sk-…abcd`); no API returns a full key. */
  api_key?: string;
  created_at: string;
  updated_at: string;
  attempts: number;
  last_error?: string;
}

export interface AdminPage {
  requests: AdminRequest[];
  next_cursor: string | null;
}

export interface VerifyReply {
  success: true;
  username: string;
}

export interface ActionReply {
  success: true;
  request: AdminRequest;
}

export type AdminAction = 'approve' | 'deny' | 'revoke';
