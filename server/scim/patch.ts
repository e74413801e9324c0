import { invalidValue, ScimError } from './errors.js';
import { PATCH_OP } from './schemas.js';
import { readAttribute, readCore, type ScimFields } from './user-resource.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A PatchOp body (RFC 7644 section 3.5.2) as the fields it sets or removes, in order. Both forms identity
 * providers send are read: a path with a value (`{"op":"Replace","path":"active","value":"False"}`, Entra ID),
 * and no path with a value object (`{"op":"replace","value":{"active":false}}`, Okta and Entra ID).
 * Operation names in any case; `add` and `replace` are the same for the single-valued attributes FirstKey keeps.
 */
export function fieldsOfPatch(body: unknown): ScimFields {
  if (!isRecord(body)) throw new ScimError(400, 'the body must be a JSON object', 'invalidSyntax');
  if (!Array.isArray(body.schemas) || !body.schemas.includes(PATCH_OP)) throw invalidValue(`schemas must be [${PATCH_OP}]`);
  const operations = body.Operations ?? body.operations;
  if (!Array.isArray(operations) || operations.length === 0) throw invalidValue('Operations must be a non-empty array');
  const fields: ScimFields = {};
  for (const operation of operations) {
    if (!isRecord(operation) || typeof operation.op !== 'string') throw invalidValue('each operation needs an op');
    const op = operation.op.toLowerCase();
    const path = operation.path;
    if (path !== undefined && typeof path !== 'string') throw new ScimError(400, 'path must be a string', 'invalidPath');
    if (op === 'remove') {
      if (!path) throw new ScimError(400, 'remove needs a path', 'noTarget');
      if (/^(username|active)$/i.test(path)) throw new ScimError(400, `${path} cannot be removed`, 'mutability');
      readAttribute(path, null, fields);
    } else if (op === 'add' || op === 'replace') {
      if (path) readAttribute(path, operation.value, fields);
      else if (isRecord(operation.value)) readCore(operation.value, fields);
      else throw invalidValue(`${op} without a path needs a value object`);
    } else {
      throw invalidValue(`op must be add, replace or remove, not ${operation.op}`);
    }
  }
  return fields;
}
