export interface LegacySecretOptions {
  /** A uuid4, as the old service chose them. */
  id: string;
  state: string;
  email: string;
  model: string;
  apiKey?: string;
  /** Added to (or replacing) the annotations the old service wrote. */
  annotations?: Record<string, string>;
}

/** A request Secret exactly as the old Python service wrote it: uuid4 id, naive timestamps
 * (Python `isoformat()` without an offset, meaning UTC), no email-hash or handled-state label.
 * `data` is base64 as on the wire, so it serves both the codec (as a V1Secret) and the fake
 * API server (as a body to store). */
export function legacyRequestSecret({
  id,
  state,
  email,
  model,
  apiKey,
  annotations = {},
}: LegacySecretOptions) {
  const data: Record<string, string> = { request_id: id, email, model, state };
  if (apiKey !== undefined) {
    data.api_key = apiKey;
  }
  return {
    metadata: {
      name: `llm-key-request-${id}`,
      labels: {
        'app.kubernetes.io/name': 'llm-key-requestor',
        'app.kubernetes.io/component': 'llm-key-request',
        'request-state': state,
      },
      annotations: {
        'app.kubernetes.io/component': 'llm-key-request',
        email,
        state,
        created_at: '2024-05-01T12:00:00.123456',
        updated_at: '2024-05-01T12:05:00.654321',
        ...annotations,
      },
    },
    type: 'Opaque',
    data: Object.fromEntries(
      Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'utf8').toString('base64')]),
    ),
  };
}
