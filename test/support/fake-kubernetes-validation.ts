import { randomUUID } from 'node:crypto';
import { isValidLabelKey, isValidLabelValue } from './fake-kubernetes-selector.js';
import { statusErrors } from './fake-kubernetes-status.js';
import type { SecretObject } from './fake-kubernetes-storage.js';

/** What the API server checks and normalises in a Secret a client sends (create, replace,
 * the result of a patch): names, labels, annotations, base64 data, stringData, sizes. */

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MAX_SECRET_BYTES = 1024 * 1024;
const MAX_ANNOTATION_BYTES = 256 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates and normalises a client-sent body into the stored shape (minus server fields). */
export function normaliseSecret(namespace: string, name: string, body: unknown): SecretObject {
  if (!isRecord(body) || !isRecord(body.metadata)) {
    throw statusErrors.badRequest('Secret in version "v1" cannot be handled as a Secret: missing metadata');
  }
  if (body.kind !== undefined && body.kind !== 'Secret') {
    throw statusErrors.badRequest(`Secret in version "v1" cannot be handled as a ${String(body.kind)}`);
  }
  const metadata = structuredClone(body.metadata);
  if (metadata.namespace !== undefined && metadata.namespace !== namespace) {
    throw statusErrors.badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  }
  const causes: { field: string; message: string }[] = [];
  if (!DNS_SUBDOMAIN.test(name) || name.length > 253) {
    causes.push({
      field: 'metadata.name',
      message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain`,
    });
  }
  const labels = metadata.labels ?? {};
  if (!isRecord(labels)) {
    throw statusErrors.badRequest('metadata.labels must be a map of strings');
  }
  for (const [key, value] of Object.entries(labels)) {
    if (!isValidLabelKey(key)) {
      causes.push({
        field: 'metadata.labels',
        message: `Invalid value: "${key}": name part must be valid`,
      });
    }
    if (typeof value !== 'string' || !isValidLabelValue(value)) {
      causes.push({
        field: 'metadata.labels',
        message: `Invalid value: ${JSON.stringify(value)}: a valid label must be 63 characters or less`,
      });
    }
  }
  const annotations = metadata.annotations ?? {};
  if (!isRecord(annotations)) {
    throw statusErrors.badRequest('metadata.annotations must be a map of strings');
  }
  let annotationBytes = 0;
  for (const [key, value] of Object.entries(annotations)) {
    if (!isValidLabelKey(key)) {
      causes.push({
        field: 'metadata.annotations',
        message: `Invalid value: "${key}": name part must be valid`,
      });
    }
    if (typeof value !== 'string') {
      throw statusErrors.badRequest(`metadata.annotations.${key} must be a string`);
    }
    annotationBytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (annotationBytes > MAX_ANNOTATION_BYTES) {
    causes.push({ field: 'metadata.annotations', message: 'Too long: must have at most 262144 bytes' });
  }
  const data: Record<string, string> = {};
  const sentData = body.data ?? {};
  const stringData = body.stringData ?? {};
  if (!isRecord(sentData) || !isRecord(stringData)) {
    throw statusErrors.badRequest('data and stringData must be maps');
  }
  for (const [key, value] of Object.entries(sentData)) {
    if (typeof value !== 'string' || !BASE64.test(value)) {
      throw statusErrors.badRequest(`illegal base64 data in data[${JSON.stringify(key)}]`);
    }
    data[key] = value;
  }
  // As on the API server, stringData is write-only and wins over data for the same key.
  for (const [key, value] of Object.entries(stringData)) {
    data[key] = Buffer.from(String(value), 'utf8').toString('base64');
  }
  let dataBytes = 0;
  for (const [key, value] of Object.entries(data)) {
    if (!DATA_KEY.test(key) || key.length > 253) {
      causes.push({
        field: `data[${key}]`,
        message: 'Invalid value: a valid config key must consist of alphanumeric characters, "-", "_" or "."',
      });
    }
    dataBytes += Buffer.from(value, 'base64').length;
  }
  if (dataBytes > MAX_SECRET_BYTES) {
    causes.push({ field: 'data', message: 'Too long: must have at most 1048576 bytes' });
  }
  const type = typeof body.type === 'string' && body.type !== '' ? body.type : 'Opaque';
  if (causes.length > 0) {
    throw statusErrors.invalid('Secret', name, causes);
  }
  const { stringData: _dropped, data: _data, metadata: _metadata, ...rest } = body;
  return {
    ...structuredClone(rest),
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      ...metadata,
      name,
      namespace,
      labels: labels as Record<string, string>,
      annotations: annotations as Record<string, string>,
    } as SecretObject['metadata'],
    type,
    data,
  };
}

export function tidySecret(object: SecretObject): SecretObject {
  // The API server omits empty maps.
  for (const field of ['labels', 'annotations'] as const) {
    if (object.metadata[field] && Object.keys(object.metadata[field]).length === 0) {
      delete object.metadata[field];
    }
  }
  if (object.data && Object.keys(object.data).length === 0) {
    delete object.data;
  }
  return object;
}

export function nameOfSecret(body: unknown): string {
  if (isRecord(body) && isRecord(body.metadata)) {
    if (typeof body.metadata.name === 'string' && body.metadata.name !== '') {
      return body.metadata.name;
    }
    if (typeof body.metadata.generateName === 'string' && body.metadata.generateName !== '') {
      return `${body.metadata.generateName}${randomUUID().slice(0, 5)}`;
    }
  }
  throw statusErrors.invalid('Secret', '', [
    { field: 'metadata.name', message: 'Required value: name or generateName is required' },
  ]);
}
