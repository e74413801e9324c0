import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../api/openapi.js';

describe('the OpenAPI document', () => {
  it('checked in is exactly what the schemas generate (run `npm run openapi` after changing api/)', () => {
    const checkedIn: unknown = JSON.parse(readFileSync(new URL('../../api/openapi.json', import.meta.url), 'utf8'));
    expect(checkedIn).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });

  it('describes DPoP-bound session calls and the device signals sent at session start', () => {
    const doc = buildOpenApiDocument() as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    const start = JSON.stringify(doc.paths['/v1/sessions']?.post?.requestBody);
    expect(start).toContain('"device"');
    expect(start).toContain('"osVersion"');
    expect(JSON.stringify(doc)).toContain('"scheme":"DPoP"');
  });
});
