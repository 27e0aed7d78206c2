// One ajv configuration, used both to compile the validators at run time (running
// from source) and to generate them ahead of time for the bundled CLI (scripts/build.ts).
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import platformSchema from '../../schema/platform.schema.json' with { type: 'json' };
import tenantSchema from '../../schema/tenant.schema.json' with { type: 'json' };
import lockSchema from '../../schema/placement-lock.schema.json' with { type: 'json' };
import pricesSchema from '../../schema/prices.schema.json' with { type: 'json' };
import stringsSchema from '../../schema/strings.schema.json' with { type: 'json' };

export const SCHEMA_IDS = { Platform: platformSchema.$id, Tenant: tenantSchema.$id, PlacementLock: lockSchema.$id, Prices: pricesSchema.$id } as const;

export function createAjv(standalone: boolean): InstanceType<typeof Ajv2020.default> {
  const ajv = new Ajv2020.default({ allErrors: true, strict: true, verbose: true, ...(standalone ? { code: { source: true } } : {}) });
  addFormats.default(ajv, ['email', 'uri']);
  // Annotation-only keyword: a human sentence for a `pattern`, read when reporting.
  ajv.addKeyword({ keyword: 'x-hint', schemaType: 'string' });
  // The string grammar every other schema refers to (schema/strings.schema.json).
  ajv.addSchema(stringsSchema);
  ajv.addSchema(platformSchema);
  ajv.addSchema(tenantSchema);
  ajv.addSchema(lockSchema);
  ajv.addSchema(pricesSchema);
  return ajv;
}
