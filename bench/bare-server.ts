import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { Type } from 'typebox';
import { EmailInput, ModelIdInput, ModelList, RequestStateSchema } from '../src/http/schemas.js';

/** The reference of the HTTP cases: what Fastify 5 itself costs for the same two routes,
 * started by the bench as its own process (`node --import tsx bench/bare-server.ts`).
 *
 * - GET /api/models answers the product's own model list, read once at start from
 *   BARE_MODELS_FILE (the bench saves the product's answer there), serialised on every
 *   request by Fastify through the same response schema the product declares.
 * - POST /api/request-key parses the JSON body with Fastify's default parser and validates it
 *   against the product's body schema (email and model id, no other field), then answers a
 *   reply of the product's shape and size with a fresh UUID: no store, no approval chain.
 *
 * Fastify defaults everywhere else: no logger, no hooks, no plugins. */

const models: unknown = JSON.parse(readFileSync(process.env.BARE_MODELS_FILE ?? '', 'utf8'));

const SubmitBody = Type.Object({ email: EmailInput, llm: ModelIdInput }, { additionalProperties: false });
const SubmitReply = Type.Object({
  message: Type.String(),
  success: Type.Literal(true),
  request_id: Type.String(),
  status: RequestStateSchema,
});

const app = Fastify();
app.get('/api/models', { schema: { response: { 200: ModelList } } }, async () => models);
app.post('/api/request-key', { schema: { body: SubmitBody, response: { 200: SubmitReply } } }, async () => ({
  message: 'Key request submitted. The result will be emailed to you.',
  success: true,
  request_id: randomUUID(),
  status: 'pending',
}));

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.on('SIGTERM', () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
