import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { Username } from '../../api/admin.js';
import { changedFields } from './joiners.js';
import { isCalendarDay, ProvisioningRefusal, type PersonChanges, type PersonInput } from './person.js';
import type { ProvisioningService } from './service.js';

/** The joiners file's columns (a header row names them, in any order); username and displayName are required. */
export const JOINER_COLUMNS = ['username', 'displayName', 'email', 'role', 'employmentType', 'manager', 'endDate'] as const;
type Column = (typeof JOINER_COLUMNS)[number];

export interface Refusal {
  line: number;
  username: string;
  reason: string;
}

export interface ImportReport {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  refused: Refusal[];
  /** Enrolment codes handed to the outbox (--issue-codes). */
  invited: number;
}

export interface ImportOptions {
  issueCodes: boolean;
  actor: string;
  /** After each row: how many are done of how many. */
  progress?: (done: number, total: number, report: ImportReport) => void;
}

/** The header is wrong: nothing was imported. */
export class JoinersFileError extends Error {}

const Email = z.email();

type Row = Partial<Record<Column, string>>;

/** One row as the person it describes, or why it cannot be. */
function personOf(row: Row): PersonInput | string {
  const username = Username.safeParse(row.username ?? '');
  if (!username.success) return `bad username ${JSON.stringify(row.username ?? '')}: letters, digits and . _ @ - only, up to 128`;
  const displayName = row.displayName ?? '';
  if (displayName === '' || displayName.length > 200) return 'displayName is required (up to 200 characters)';
  const email = row.email || null;
  if (email !== null && !Email.safeParse(email).success) return `bad email ${JSON.stringify(email)}`;
  const role = row.role || 'employee';
  if (role.length > 64) return 'role is longer than 64 characters';
  const employment = (row.employmentType || 'employee').toLowerCase();
  if (employment !== 'employee' && employment !== 'contractor') {
    return `unknown employment type ${JSON.stringify(row.employmentType)}: employee or contractor`;
  }
  const endDate = row.endDate || null;
  if (endDate !== null && !isCalendarDay(endDate)) return `bad endDate ${JSON.stringify(endDate)}: YYYY-MM-DD`;
  return {
    username: username.data,
    displayName,
    email,
    role,
    employmentType: employment,
    accountKind: 'human',
    manager: row.manager || null,
    endDate,
    externalId: null,
    active: true,
  };
}

interface ParsedRow {
  line: number;
  row: Row;
}

/** RFC 4180 via csv-parse: rows with their line numbers; a malformed row is refused, not fatal. */
function rowsOf(content: string, refused: Refusal[]): ParsedRow[] {
  let columns: Column[] = [];
  const records: { record: Row; info: { lines: number } }[] = parse<{ record: Row; info: { lines: number } }>(content, {
    bom: true,
    trim: true,
    skip_empty_lines: true,
    info: true,
    skip_records_with_error: true,
    on_skip: (error) => {
      refused.push({ line: Number(error?.lines ?? 0), username: '', reason: `not a CSV row: ${error?.message ?? 'malformed'}` });
      return undefined;
    },
    columns: (header: string[]) => {
      const unknown = header.filter((h) => !(JOINER_COLUMNS as readonly string[]).includes(h));
      if (unknown.length > 0)
        throw new JoinersFileError(`unknown column(s) ${unknown.join(', ')}: the columns are ${JOINER_COLUMNS.join(', ')}`);
      for (const required of ['username', 'displayName'] as const) {
        if (!header.includes(required)) throw new JoinersFileError(`the header row must name ${required}`);
      }
      columns = header as Column[];
      return columns;
    },
  });
  return records.map(({ record, info }) => ({ line: info.lines, row: record }));
}

/**
 * Imports a joiners file: each row commits on its own, so a run killed halfway leaves whole rows behind,
 * and running the file again finds them already applied (`unchanged`) and goes on where it stopped; a code
 * is issued only with the row that creates its person, in the same commit, so none is issued twice.
 */
export async function importJoiners(people: ProvisioningService, content: string, options: ImportOptions): Promise<ImportReport> {
  const report: ImportReport = { rows: 0, created: 0, updated: 0, unchanged: 0, refused: [], invited: 0 };
  const rows = rowsOf(content, report.refused);
  report.rows = rows.length + report.refused.length;
  const seen = new Map<string, number>();
  let done = 0;
  for (const { line, row } of rows) {
    const refuse = (reason: string) => report.refused.push({ line, username: row.username ?? '', reason });
    const person = personOf(row);
    if (typeof person === 'string') refuse(person);
    else {
      const key = person.username.toLowerCase();
      const earlier = seen.get(key);
      if (earlier !== undefined) refuse(`duplicate of line ${earlier}`);
      else {
        seen.set(key, line);
        await applyRow(people, person, options, report).catch((error: unknown) => {
          if (error instanceof ProvisioningRefusal) refuse(error.message);
          else throw error;
        });
      }
    }
    options.progress?.(++done, rows.length, report);
  }
  report.refused.sort((a, b) => a.line - b.line);
  return report;
}

async function applyRow(people: ProvisioningService, person: PersonInput, options: ImportOptions, report: ImportReport): Promise<void> {
  const existing = await people.byUsername(person.username);
  if (!existing) {
    const created = await people.create(person, options.actor, { invite: options.issueCodes, via: 'import' });
    report.created += 1;
    if (created.invited) report.invited += 1;
    return;
  }
  if (existing.state.deactivated_at)
    throw new ProvisioningRefusal('invalid_value', `${existing.user.username} was deactivated: reactivate-user first`);
  const changes: PersonChanges = {
    displayName: person.displayName,
    email: person.email,
    role: person.role,
    employmentType: person.employmentType,
    manager: person.manager,
    endDate: person.endDate,
  };
  if (changedFields(existing, changes).length === 0) {
    report.unchanged += 1;
    return;
  }
  await people.update(existing.user.id, changes, undefined, options.actor, 'import');
  report.updated += 1;
}
