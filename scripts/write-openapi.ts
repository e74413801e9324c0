import { writeFileSync } from 'node:fs';
import { buildOpenApiDocument } from '../api/openapi.js';

// The checked-in document is generated, never edited: test/unit/openapi.test.ts keeps the two equal.
writeFileSync(new URL('../api/openapi.json', import.meta.url), `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
console.log('wrote api/openapi.json');
