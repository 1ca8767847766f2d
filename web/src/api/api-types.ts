/** The HTTP API's shapes as the UI reads them, named from the types generated out of the
 * service's OpenAPI document (openapi.gen.ts, built by `npm run gen:api`; not committed).
 * No API shape is written by hand (AdminPage only pairs a generated list with the cursor the
 * client reads from a header): when a route's schema changes, the type check of the UI fails
 * where the UI no longer fits. */
import {
  type operations,
  type paths,
  pathsApiAdminRequestsGetParametersQueryFilterValues,
  pathsApiAdminRequestsGetParametersQuerySortValues,
  pathsApiRequestsRequest_idGetResponses200ContentApplicationJsonStatusValues,
} from './openapi.gen.js';

type JsonReply<
  Op extends keyof operations,
  Status extends keyof operations[Op]['responses'],
> = operations[Op]['responses'][Status] extends { content: { 'application/json': infer Body } }
  ? Body
  : never;

export type ModelList = JsonReply<'listModels', 200>;
export type Model = ModelList['models'][number];

export type SubmitReply = JsonReply<'requestKey', 200>;
export type RequestStatus = JsonReply<'getRequestStatus', 200>;
export type RequestState = RequestStatus['status'];
/** Every state a request can be in, in the API's order. */
export const REQUEST_STATES: readonly RequestState[] =
  pathsApiRequestsRequest_idGetResponses200ContentApplicationJsonStatusValues;

/** The requester's view with their token (`can_renew`, `history`, …), the status alone without. */
export type RequesterView = JsonReply<'renewRequest', 200>;
export type HistoryEntry = NonNullable<RequestStatus['history']>[number];

/** FastAPI's 422 body: one problem per field, with a machine-readable `type`. */
export type ValidationProblem = JsonReply<'requestKey', 422>['detail'][number];

export type VerifyReply = JsonReply<'adminVerify', 200>;
/** The admin list as the API answers it: a bare array (the original service's shape). */
export type AdminList = JsonReply<'adminListRequests', 200>;
export type AdminRequest = JsonReply<'adminGetRequest', 200>;
/** One page as the UI uses it: the API client reads `next_cursor` from the `Link` header. */
export interface AdminPage {
  requests: AdminList;
  next_cursor: string | null;
}
export type AdminFilter = NonNullable<
  NonNullable<operations['adminListRequests']['parameters']['query']>['filter']
>;
/** The list filters the admin API accepts, in the API's order. */
export const ADMIN_FILTERS: readonly AdminFilter[] = pathsApiAdminRequestsGetParametersQueryFilterValues;
export type ListSort = NonNullable<
  NonNullable<operations['adminListRequests']['parameters']['query']>['sort']
>;
/** The list orders the admin API accepts, its default first. */
export const LIST_SORTS: readonly ListSort[] = pathsApiAdminRequestsGetParametersQuerySortValues;
export type AdminStats = JsonReply<'adminStats', 200>;
/** One thing an admin may do to a request now, as the API states it (`allowed_actions`). */
export type AllowedAction = AdminRequest['allowed_actions'][number];

/** `approve`, `deny`, `revoke`, `resend`: every POST route under /api/admin/requests/{request_id}/. */
export type AdminAction =
  Extract<
    keyof paths,
    `/api/admin/requests/{request_id}/${string}`
  > extends `/api/admin/requests/{request_id}/${infer Action}`
    ? Action
    : never;
export type ActionReply = JsonReply<'adminApprove', 200>;
