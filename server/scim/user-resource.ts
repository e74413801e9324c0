import { z } from 'zod';
import { Username } from '../../api/admin.js';
import { utcDay } from '../accounts/active.js';
import { isCalendarDay, type EmploymentType, type Person, type PersonChanges, type PersonInput } from '../provisioning/person.js';
import { invalidValue, ScimError } from './errors.js';
import { CORE_USER, ENTERPRISE_USER, FIRSTKEY_USER } from './schemas.js';

/**
 * The SCIM attributes FirstKey maps, flattened: what a POST or PUT body, or the operations of a PATCH,
 * say about a person. Absent: not said; null: removed.
 */
export interface ScimFields {
  userName?: string;
  displayName?: string | null;
  formatted?: string | null;
  givenName?: string | null;
  familyName?: string | null;
  email?: string | null;
  userType?: string | null;
  role?: string | null;
  manager?: string | null;
  endDate?: string | null;
  externalId?: string | null;
  active?: boolean;
  accountKind?: string | null;
}

type Json = unknown;

const isRecord = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

function text(v: Json, attribute: string): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw invalidValue(`${attribute} must be a string`);
  const trimmed = v.trim();
  return trimmed === '' ? null : trimmed;
}

/** SCIM booleans; Entra ID has long sent `active` as the strings "True" and "False". */
export function scimBoolean(v: Json, attribute: string): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  throw invalidValue(`${attribute} must be a boolean`);
}

/** A multi-valued attribute's chosen value: the primary one, else the first (RFC 7643 section 2.4). */
function primaryValue(v: Json, attribute: string): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return text(v, attribute);
  const items: unknown[] = Array.isArray(v) ? v : [v];
  const chosen = items.find((i) => isRecord(i) && (i.primary === true || i.primary === 'True' || i.primary === 'true')) ?? items[0];
  if (chosen === undefined) return null;
  if (!isRecord(chosen)) return text(chosen, attribute);
  return text(chosen.value, `${attribute}.value`);
}

/** The enterprise manager: `{ value }` in a resource, a bare id in Entra ID's PATCH. */
export function managerValue(v: Json): string | null {
  if (isRecord(v)) return text(v.value, 'manager.value');
  return text(v, 'manager');
}

/** Reads the attributes FirstKey maps from one level of a resource or a PATCH value object. */
export function readCore(body: Record<string, Json>, into: ScimFields): void {
  for (const [key, value] of Object.entries(body)) readAttribute(key, value, into);
}

/** One attribute by its name or path (`name.givenName`, an extension's `urn:...:manager`), into `into`. */
export function readAttribute(path: string, value: Json, into: ScimFields): void {
  const lower = path.toLowerCase();
  const [schema, attribute] = splitUrn(lower);
  if (schema === ENTERPRISE_USER.toLowerCase()) {
    if (attribute === '' && isRecord(value)) {
      if ('manager' in value) into.manager = managerValue(value.manager);
    } else if (attribute === 'manager' || attribute === 'manager.value') into.manager = managerValue(value);
    return;
  }
  if (schema === FIRSTKEY_USER.toLowerCase()) {
    if (attribute === '' && isRecord(value)) {
      for (const [k, v] of Object.entries(value)) readAttribute(`${FIRSTKEY_USER}:${k}`, v, into);
    } else if (attribute === 'enddate') into.endDate = text(value, 'endDate');
    else if (attribute === 'role') into.role = text(value, 'role');
    else if (attribute === 'accountkind') into.accountKind = text(value, 'accountKind');
    return;
  }
  switch (attribute) {
    case 'username':
      into.userName = text(value, 'userName') ?? '';
      return;
    case 'displayname':
      into.displayName = text(value, 'displayName');
      return;
    case 'name':
      if (value === null) into.formatted = into.givenName = into.familyName = null;
      else if (isRecord(value)) readCore(Object.fromEntries(Object.entries(value).map(([k, v]) => [`name.${k}`, v])), into);
      return;
    case 'name.formatted':
      into.formatted = text(value, 'name.formatted');
      return;
    case 'name.givenname':
      into.givenName = text(value, 'name.givenName');
      return;
    case 'name.familyname':
      into.familyName = text(value, 'name.familyName');
      return;
    case 'emails':
    case 'emails.value':
      into.email = primaryValue(value, 'emails');
      return;
    case 'usertype':
      into.userType = text(value, 'userType');
      return;
    case 'roles':
    case 'roles.value':
      into.role = primaryValue(value, 'roles');
      return;
    case 'externalid':
      into.externalId = text(value, 'externalId');
      return;
    case 'active':
      into.active = scimBoolean(value, 'active');
      return;
    default:
      // Attributes FirstKey does not keep (title, phoneNumbers, addresses, ...): identity providers send
      // whatever their mapping holds, and refusing them would stop provisioning for nothing.
      if (attribute.startsWith('emails[')) into.email = text(value, 'emails.value');
      else if (attribute.startsWith('roles[')) into.role = text(value, 'roles.value');
  }
}

/** `urn:...:User:attr` -> [schema, attr]; a bare attribute is the core schema's. */
function splitUrn(lowerPath: string): [string, string] {
  for (const schema of [ENTERPRISE_USER, FIRSTKEY_USER, CORE_USER]) {
    const s = schema.toLowerCase();
    if (lowerPath === s) return [s, ''];
    if (lowerPath.startsWith(`${s}:`)) return [s, lowerPath.slice(s.length + 1)];
  }
  if (lowerPath.startsWith('urn:')) throw new ScimError(400, `unknown schema in ${lowerPath}`, 'invalidPath');
  return [CORE_USER.toLowerCase(), lowerPath];
}

export function employmentOf(userType: string | null): EmploymentType {
  if (userType === null) return 'employee';
  const lower = userType.toLowerCase();
  if (lower === 'employee' || lower === 'contractor') return lower;
  throw invalidValue(`userType must be Employee or Contractor, not ${userType}`);
}

const Email = z.email();

function emailOf(email: string | null): string | null {
  if (email !== null && !Email.safeParse(email).success) throw invalidValue('emails.value is not an email address');
  return email;
}

function roleOf(role: string | null): string {
  if (role === null) return 'employee';
  if (role.length > 64) throw invalidValue('role is longer than 64 characters');
  return role;
}

/** A last day as YYYY-MM-DD: a date, or a dateTime's UTC day. */
export function endDateOf(value: string | null): string | null {
  if (value === null) return null;
  if (isCalendarDay(value)) return value;
  const at = new Date(value);
  if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(at.getTime())) return utcDay(at);
  throw invalidValue('endDate must be a date (YYYY-MM-DD) or a dateTime');
}

function displayNameOf(f: ScimFields, fallback: string): string {
  const composed = [f.givenName, f.familyName].filter(Boolean).join(' ');
  const name = f.displayName ?? f.formatted ?? (composed || fallback);
  if (name.length > 200) throw invalidValue('displayName is longer than 200 characters');
  return name;
}

export function userNameOf(value: string | undefined): string {
  if (!value) throw invalidValue('userName is required');
  const parsed = Username.safeParse(value);
  if (!parsed.success) throw invalidValue('userName may hold letters, digits and . _ @ - only, up to 128');
  return parsed.data;
}

/** A POST or PUT body: the core schema must be named, userName given (RFC 7643 section 4.1). */
export function fieldsOfResource(body: Json): ScimFields {
  if (!isRecord(body)) throw new ScimError(400, 'the body must be a JSON object', 'invalidSyntax');
  const schemas = body.schemas;
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === CORE_USER.toLowerCase())) {
    throw invalidValue(`schemas must include ${CORE_USER}`);
  }
  const fields: ScimFields = {};
  readCore(Object.fromEntries(Object.entries(body).filter(([k]) => !['schemas', 'id', 'meta'].includes(k))), fields);
  return fields;
}

/** A resource's fields as the person to create. */
export function personOf(f: ScimFields): PersonInput {
  const username = userNameOf(f.userName);
  const kind = f.accountKind?.toLowerCase() ?? 'human';
  if (kind !== 'human' && kind !== 'service') throw invalidValue('accountKind must be human or service');
  return {
    username,
    displayName: displayNameOf(f, username),
    email: emailOf(f.email ?? null),
    role: roleOf(f.role ?? null),
    employmentType: employmentOf(f.userType ?? null),
    accountKind: kind,
    manager: f.manager ?? null,
    endDate: endDateOf(f.endDate ?? null),
    externalId: f.externalId ?? null,
    active: f.active ?? true,
  };
}

/** What a PATCH said, as changes to the person (only what it named). */
export function changesOf(f: ScimFields, current: Person): PersonChanges {
  const changes: PersonChanges = {};
  if (f.displayName !== undefined || f.formatted !== undefined || f.givenName !== undefined || f.familyName !== undefined) {
    changes.displayName = displayNameOf(f, current.user.display_name);
  }
  if (f.email !== undefined) changes.email = emailOf(f.email);
  if (f.role !== undefined) changes.role = roleOf(f.role);
  if (f.userType !== undefined) changes.employmentType = employmentOf(f.userType);
  if (f.manager !== undefined) changes.manager = f.manager;
  if (f.endDate !== undefined) changes.endDate = endDateOf(f.endDate);
  if (f.externalId !== undefined) changes.externalId = f.externalId;
  return changes;
}

/** The person as a SCIM User resource (RFC 7643 section 4.1, with the enterprise and FirstKey extensions). */
export function toResource(person: Person, location: string): Record<string, unknown> {
  const { user, state } = person;
  return {
    schemas: [CORE_USER, ENTERPRISE_USER, FIRSTKEY_USER],
    id: user.id,
    ...(state.external_id ? { externalId: state.external_id } : {}),
    userName: user.username,
    name: { formatted: user.display_name },
    displayName: user.display_name,
    ...(user.email ? { emails: [{ value: user.email, type: 'work', primary: true }] } : {}),
    userType: user.employment_type === 'contractor' ? 'Contractor' : 'Employee',
    active: state.deactivated_at === null,
    roles: [{ value: user.role, primary: true }],
    [ENTERPRISE_USER]: state.manager ? { manager: { value: state.manager } } : {},
    [FIRSTKEY_USER]: { accountKind: user.account_kind, role: user.role, ...(state.end_date ? { endDate: state.end_date } : {}) },
    meta: { resourceType: 'User', created: user.created_at, lastModified: state.updated_at || user.created_at, location },
  };
}
