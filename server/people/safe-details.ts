/**
 * What of an audit event's details an agent may see. The trail never holds codes or keys by
 * design (server/audit.ts), but this view is shown on a screen and may be shared, so anything
 * named like a secret or a key thumbprint is dropped rather than trusted to be absent.
 */
const SECRET_NAME = /secret|token|hash|jkt|password|^code$|^link$|publickey/i;

type Detail = string | number | boolean | null;

export function safeDetails(json: string): Record<string, Detail> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  const out: Record<string, Detail> = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (SECRET_NAME.test(key)) continue;
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
  }
  return out;
}
