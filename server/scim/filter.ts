import { ScimError } from './errors.js';

/** The one filter shape identity providers send to find a user before creating them (RFC 7644 section 3.4.2.2). */
export interface EqualityFilter {
  attribute: 'userName' | 'externalId' | 'id';
  value: string;
}

const ATTRIBUTES: Record<string, EqualityFilter['attribute']> = { username: 'userName', externalid: 'externalId', id: 'id' };

/**
 * Parses `userName eq "x"`, `externalId eq "x"` or `id eq "x"` (attribute names and the operator in any
 * case, the value a JSON string). Anything else is refused with `invalidFilter`, never ignored: a
 * filter we did not apply would answer with every user.
 */
export function parseFilter(filter: string): EqualityFilter {
  const match = /^\s*([A-Za-z][\w.:-]*)\s+([A-Za-z]{2})\s+("(?:[^"\\]|\\.)*")\s*$/.exec(filter);
  if (!match?.[1] || !match[2] || !match[3])
    throw new ScimError(400, 'filter must be: userName eq "value" (or externalId, id)', 'invalidFilter');
  const attribute = ATTRIBUTES[match[1].replace(/^urn:ietf:params:scim:schemas:core:2\.0:User:/i, '').toLowerCase()];
  if (!attribute) throw new ScimError(400, `filtering on ${match[1]} is not supported`, 'invalidFilter');
  if (match[2].toLowerCase() !== 'eq') throw new ScimError(400, `operator ${match[2]} is not supported: eq only`, 'invalidFilter');
  let value: unknown;
  try {
    value = JSON.parse(match[3]);
  } catch {
    throw new ScimError(400, 'the filter value is not a valid string', 'invalidFilter');
  }
  return { attribute, value: String(value) };
}
