// The JSON Schemas as the generators read them, and edited copies of them, for the tests
// of what the generators make of a schema change (manifestTypes, manifestReference).
import { readSchemas, type Schema } from '../../scripts/manifestTypes.ts';

export const SCHEMAS: ReadonlyMap<string, Schema> = readSchemas();

/** A copy of a parsed schema, edited freely by a case. */
export type Editable = Record<string, any>;

/** The schemas with `edit` applied to a copy of one of them. */
export function edited(file: string, edit: (schema: Editable) => void): Map<string, Schema> {
  const copy = structuredClone(SCHEMAS.get(file)) as Editable;
  edit(copy);
  return new Map<string, Schema>([...SCHEMAS, [file, copy]]);
}
