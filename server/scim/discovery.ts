import { CORE_USER, ENTERPRISE_USER, FIRSTKEY_USER, LIST_RESPONSE } from './schemas.js';

/** The page size the list and filter answers never exceed. */
export const MAX_RESULTS = 200;

/** RFC 7643 section 5: what this endpoint supports, so a client need not guess. */
export function serviceProviderConfig(base: string): Record<string, unknown> {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: 'https://github.com/firstkey/firstkey#joiners-and-leavers',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: 'An API token with the scim permission, in Authorization: Bearer <token>',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

export function resourceTypes(base: string): Record<string, unknown>[] {
  return [
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'A person (or service account) FirstKey enrols',
      schema: CORE_USER,
      schemaExtensions: [
        { schema: ENTERPRISE_USER, required: false },
        { schema: FIRSTKEY_USER, required: false },
      ],
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` },
    },
  ];
}

interface Attribute {
  name: string;
  type: 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime';
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'default';
  uniqueness: 'none' | 'server' | 'global';
  subAttributes?: Attribute[];
}

const attr = (name: string, description: string, extra: Partial<Attribute> = {}): Attribute => ({
  name,
  type: 'string',
  multiValued: false,
  description,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...extra,
});

/** RFC 7643 section 7: the attributes FirstKey keeps, as it keeps them. */
export function schemas(base: string): Record<string, unknown>[] {
  const schema = (id: string, name: string, description: string, attributes: Attribute[]) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id,
    name,
    description,
    attributes,
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${id}` },
  });
  return [
    schema(CORE_USER, 'User', 'A FirstKey user', [
      attr('userName', 'Unique in any case; cannot change once enrolled keys carry it', {
        required: true,
        mutability: 'immutable',
        uniqueness: 'server',
        returned: 'always',
      }),
      attr('displayName', 'Shown in the app and to the help desk'),
      attr('name', 'givenName and familyName make displayName when it is absent', {
        type: 'complex',
        subAttributes: [attr('formatted', 'Full name'), attr('givenName', 'Given name'), attr('familyName', 'Family name')],
      }),
      attr('emails', 'The primary one receives the enrolment code', {
        type: 'complex',
        multiValued: true,
        subAttributes: [attr('value', 'Address'), attr('type', 'work'), attr('primary', 'The one used', { type: 'boolean' })],
      }),
      attr('userType', 'Employee or Contractor: the employment type the policy maps'),
      attr('active', 'false revokes every factor, device and session at once', { type: 'boolean' }),
      attr('roles', 'The first (or primary) value is the role the policy maps to a tier', {
        type: 'complex',
        multiValued: true,
        subAttributes: [attr('value', 'Role'), attr('primary', 'The one used', { type: 'boolean' })],
      }),
      attr('externalId', "The identity provider's id", { caseExact: true }),
    ]),
    schema(ENTERPRISE_USER, 'EnterpriseUser', 'Enterprise User (RFC 7643 section 4.3)', [
      attr('manager', "The person's manager", {
        type: 'complex',
        subAttributes: [attr('value', 'A username or id', { caseExact: true })],
      }),
    ]),
    schema(FIRSTKEY_USER, 'FirstKeyUser', "FirstKey's own attributes", [
      attr('endDate', "A contractor's last day (YYYY-MM-DD): from the next day on they are refused and deactivated"),
      attr('role', 'The role, when roles is not sent'),
      attr('accountKind', 'human or service: a service account gets no enrolment code', { mutability: 'immutable' }),
    ]),
  ];
}

export function listResponse(resources: Record<string, unknown>[], total: number, startIndex: number): Record<string, unknown> {
  return { schemas: [LIST_RESPONSE], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources };
}
