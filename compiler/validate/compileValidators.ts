// Schema validators compiled at module load. The bundled CLI replaces this module
// with validators generated ahead of time by ajv's standalone mode (scripts/build.ts),
// which export the same names.
import type { ValidateFunction } from 'ajv';
import { createAjv, SCHEMA_IDS } from './ajvSetup.ts';

const ajv = createAjv(false);
export const Platform: ValidateFunction = ajv.getSchema(SCHEMA_IDS.Platform)!;
export const Tenant: ValidateFunction = ajv.getSchema(SCHEMA_IDS.Tenant)!;
export const PlacementLock: ValidateFunction = ajv.getSchema(SCHEMA_IDS.PlacementLock)!;
export const Prices: ValidateFunction = ajv.getSchema(SCHEMA_IDS.Prices)!;
