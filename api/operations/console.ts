import { FactorId, operation, type OperationSpec } from '../operation-spec.js';
import { PersonDeviceParams, PersonParams, PersonView, RevocationReason } from '../people.js';

/** The HTTP operations of the help-desk console: people, factors and devices looked up and revoked (merged into api/http.ts). */
export const consoleOperations = {
  getPerson: operation({
    method: 'GET',
    path: '/v1/admin/people/{username}',
    summary: "A person's factors, devices, recent audit events and open recovery requests",
    auth: 'admin',
    permission: 'people:read',
    params: PersonParams,
    response: PersonView,
    status: 200,
  }),
  revokeFactor: operation({
    method: 'POST',
    path: '/v1/admin/factors/{id}/revoke',
    summary: "Revoke a person's factor (active or suspended) with a reason; the person is notified",
    auth: 'admin',
    permission: 'people:revoke',
    params: FactorId,
    body: RevocationReason,
    status: 204,
  }),
  revokePersonDevice: operation({
    method: 'POST',
    path: '/v1/admin/people/{username}/devices/{id}/revoke',
    summary:
      "Revoke a device bound to this person with a reason (the agent revokes what they saw on the person's page); the person is notified",
    auth: 'admin',
    permission: 'people:revoke',
    params: PersonDeviceParams,
    body: RevocationReason,
    status: 204,
  }),
} as const satisfies Record<string, OperationSpec>;
