import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { ADMIN_TOKEN, type Api } from '../support/api-harness.js';

/** One SCIM answer: status, headers, and the parsed body (null for an empty one). */
export interface ScimReply {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { Resources?: Record<string, unknown>[] };
}

/** A SCIM call as an identity provider makes it: Bearer token, application/scim+json. */
export async function scim(
  api: Api,
  method: string,
  path: string,
  body?: unknown,
  opts: { token?: string | null; contentType?: string; raw?: string } = {},
): Promise<ScimReply> {
  const token = opts.token === undefined ? ADMIN_TOKEN : opts.token;
  const response = await fetch(`${api.server.url}/scim/v2${path}`, {
    method,
    headers: {
      accept: 'application/scim+json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined || opts.raw !== undefined ? { 'content-type': opts.contentType ?? 'application/scim+json' } : {}),
    },
    ...(opts.raw !== undefined ? { body: opts.raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as ScimReply['body']) : {} };
}

/** A fixture written after an identity provider's documented payloads (test/fixtures/provisioning/README.md). */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../fixtures/provisioning/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

/** A refusal in SCIM's error format (RFC 7644 section 3.12), with its media type. */
export function expectScimError(reply: ScimReply, status: number, scimType?: string): void {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/scim\+json/);
  expect(reply.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
  expect(reply.body.status).toBe(String(status));
  if (scimType) expect(reply.body.scimType).toBe(scimType);
  expect(typeof reply.body.detail).toBe('string');
}

export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const FIRSTKEY_USER = 'urn:ietf:params:scim:schemas:extension:firstkey:2.0:User';

export function scimUser(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: [CORE_USER],
    userName,
    displayName: `Person ${userName}`,
    emails: [{ value: `${userName.toLowerCase()}@corp.example`, primary: true, type: 'work' }],
    ...extra,
  };
}

/** The enrolment codes the outbox holds for a user, newest last (the invitation is their only carrier). */
export async function invitationCodes(api: Api, username: string): Promise<string[]> {
  const rows = await api.notificationsOf(username);
  return rows
    .filter((r) => r.kind === 'enrolment.invited')
    .map((r) => (JSON.parse(r.payload) as { details: { code: string } }).details.code);
}
