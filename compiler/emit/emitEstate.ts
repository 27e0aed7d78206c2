// Emit stage: plan → the files of the output tree. Pure. Children are emitted before
// parents because a parent names each child by the hash of its content.
import { compareStrings } from '../diagnostics.ts';
import type { EstatePlan } from '../plan/model.ts';
import { planNetwork } from '../plan/network.ts';
import { serializeCompactJson, serializeJson } from '../write/serialize.ts';
import { albShardFile, emitAlbShardTemplate } from './cfn/albShard.ts';
import { assetKey } from './cfn/assets.ts';
import { cacheShardFile, emitCacheShardTemplate } from './cfn/cache.ts';
import { emitGroupTemplate, groupFile, type TenantAsset } from './cfn/group.ts';
import { emitRootTemplate, ROOT_TEMPLATE_FILE } from './cfn/root.ts';
import { externalDnsInstructions } from './cfn/tenant/dns.ts';
import { emitTenantTemplateJson, tenantFile } from './cfn/tenant/tenantStack.ts';
import type { OutputFile } from './output.ts';
import type { CfnTemplate } from './cfn/template.ts';
import { emitSql } from './sql/emitSql.ts';

/** out/assets.json: every template deploy uploads, and the key it goes to. */
export const ASSETS_FILE = 'assets.json';

/** Sees every template as it is emitted, before it is serialized (the review gate). */
export type TemplateVisitor = (path: string, template: CfnTemplate) => void;

export function emitEstate(plan: EstatePlan, visit: TemplateVisitor = () => undefined): OutputFile[] {
  const files: OutputFile[] = [];
  const assets: { file: string; key: string }[] = [];
  const add = (path: string, content: string) => {
    files.push({ path, content });
    const key = assetKey(content);
    assets.push({ file: path, key });
    return key;
  };

  const byGroup = new Map<number, TenantAsset[]>();
  for (const t of plan.tenants) {
    const { content, parameters, template } = emitTenantTemplateJson(plan, t);
    visit(tenantFile(t.id), template);
    const key = add(tenantFile(t.id), content);
    const list = byGroup.get(t.placement.group) ?? [];
    list.push({ tenant: t, key, parameters });
    byGroup.set(t.placement.group, list);
    if (t.dns.mode === 'external') files.push({ path: `dns/${t.id}.txt`, content: externalDnsInstructions(t) });
  }
  const groups = new Map<number, { key: string; parameters: string[] }>();
  for (const g of plan.groups) {
    const template = emitGroupTemplate(plan, g, byGroup.get(g) ?? []);
    visit(groupFile(g), template);
    groups.set(g, { key: add(groupFile(g), serializeCompactJson(template)), parameters: Object.keys(template.Parameters ?? {}) });
  }
  const visited = (path: string, template: CfnTemplate) => {
    visit(path, template);
    return template;
  };
  const albShards = new Map(plan.albShards.map((s) => [s, add(albShardFile(s), serializeJson(visited(albShardFile(s), emitAlbShardTemplate(plan, s))))] as const));
  const cacheShards = new Map(plan.cacheClusters.map((c) => [c, add(cacheShardFile(c), serializeJson(visited(cacheShardFile(c), emitCacheShardTemplate(plan, c))))] as const));
  const network = planNetwork(plan.platform.vpcCidr, plan.platform.availabilityZones);
  files.push({ path: ROOT_TEMPLATE_FILE, content: serializeJson(visited(ROOT_TEMPLATE_FILE, emitRootTemplate(plan, network, { albShards, cacheShards, groups }))) });
  files.push(...emitSql(plan));
  assets.sort((a, b) => compareStrings(a.file, b.file));
  files.push({ path: ASSETS_FILE, content: serializeJson({ root: ROOT_TEMPLATE_FILE, nested: assets }) });
  return files.sort((a, b) => compareStrings(a.path, b.path));
}
