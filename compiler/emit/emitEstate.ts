// Emit stage: plan → the files of the output tree. Pure.
import type { EstatePlan } from '../plan/model.ts';
import { serializeJson } from '../write/serialize.ts';
import { emitRootTemplate, ROOT_TEMPLATE_FILE } from './cfn/root.ts';
import type { OutputFile } from './output.ts';
import { emitSql } from './sql/emitSql.ts';

export function emitEstate(plan: EstatePlan): OutputFile[] {
  const files: OutputFile[] = [{ path: ROOT_TEMPLATE_FILE, content: serializeJson(emitRootTemplate(plan)) }];
  files.push(...emitSql(plan));
  return files;
}
