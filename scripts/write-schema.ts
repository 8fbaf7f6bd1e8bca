/** `npm run schema`: writes scenarios/suite.schema.json from the zod suite schema (editor completion). */
import { writeFileSync } from 'node:fs';
import { suiteJsonSchema } from '../src/suite/schema.js';

const path = new URL('../scenarios/suite.schema.json', import.meta.url);
writeFileSync(path, `${JSON.stringify(suiteJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${path.pathname}\n`);
