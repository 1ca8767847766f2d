import { z } from 'zod';
import { MAX_REASON_LENGTH, REQUEST_ID_PATTERN, REQUEST_ID_RULE } from '../requests/limits.js';

// The bounds are the HTTP admin API's (requests/limits.ts); the reason rule is admin.decide()'s,
// which trims, requires and defaults the reason: the schemas only publish the shape.

export const RequestIdInput = z
  .string()
  .regex(new RegExp(REQUEST_ID_PATTERN), `A request id is ${REQUEST_ID_RULE}`)
  .describe('The request_id of a key request');

export const OptionalReasonInput = z.string().max(MAX_REASON_LENGTH).optional();

/** The earlier service's tools declared a `ctx` argument its clients learnt to send (often as
 * null or {}); it is accepted, not required, and ignored. */
export const CtxInput = z
  .unknown()
  .optional()
  .describe('Accepted and ignored (sent by clients of the earlier service)');
