import { CodedError } from '../../api/coded-error.js';
import type { UserRow } from '../db/schema.js';
import type { UserProvisioningTable } from '../db/schema-provisioning.js';

export type EmploymentType = UserRow['employment_type'];
export type AccountKind = UserRow['account_kind'];

/** A person as an identity provider or a joiners file describes them: what provisioning writes. */
export interface PersonInput {
  username: string;
  displayName: string;
  email: string | null;
  role: string;
  employmentType: EmploymentType;
  accountKind: AccountKind;
  manager: string | null;
  /** A contractor's last day, YYYY-MM-DD. */
  endDate: string | null;
  externalId: string | null;
  active: boolean;
}

/** A person as provisioning sees them: the user row and their provisioning state. */
export interface Person {
  user: UserRow;
  state: Pick<UserProvisioningTable, 'external_id' | 'manager' | 'end_date' | 'deactivated_at' | 'deleted_at' | 'updated_at'>;
}

/** The fields a later change may carry; what it leaves out stays as it is. */
export type PersonChanges = Partial<Omit<PersonInput, 'username' | 'accountKind' | 'active'>>;

/**
 * What provisioning refuses, in terms both SCIM (scimType, RFC 7644 section 3.12) and the joiners
 * report can state: a name or id another person has, a value that cannot be, or no such person.
 */
export class ProvisioningRefusal extends CodedError<'uniqueness' | 'invalid_value' | 'not_found'> {}

/** YYYY-MM-DD that is a real calendar day. */
export function isCalendarDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const at = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().startsWith(value);
}
