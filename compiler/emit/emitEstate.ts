// Emit stage: plan → the files of the output tree. Pure. Children are emitted before
// parents because a parent names each child by the hash of its content.
import { compareStrings } from '../diagnostics.ts';
import type { EstatePlan } from '../plan/model.ts';
import { planNetwork } from '../plan/network.ts';
import { serializeCompactJson, serializeJson } from '../write/serialize.ts';
import { ASSETS_FILE, ASSETS_FORMAT, type AssetsManifest, type NestedTemplate } from '../outputFormat.ts';
import { albShardFile, albShardStackId, emitAlbShardTemplate } from './cfn/albShard.ts';
import { assetKey } from './cfn/assets.ts';
import { cacheShardFile, cacheShardStackId, emitCacheShardTemplate } from './cfn/cache.ts';
import { emitGroupTemplate, groupFile, groupStackId, tenantStackId, type TenantAsset } from './cfn/group.ts';
import { emitRootTemplate, ROOT_TEMPLATE_FILE } from './cfn/root.ts';
import { externalDnsInstructions } from './cfn/tenant/dns.ts';
import { emitTenantTemplateJson, tenantFile } from './cfn/tenant/tenantStack.ts';
import type { OutputFile } from './output.ts';
import type { CfnTemplate } from './cfn/template.ts';
import { emitSql } from './sql/emitSql.ts';

/** Sees every template as it is emitted, before it is serialized (the review gate). */
export type TemplateVisitor = (path: string, template: CfnTemplate) => void;

export function emitEstate(plan: EstatePlan, visit: TemplateVisitor = () => undefined): OutputFile[] {
  const files: OutputFile[] = [];
  const nested: NestedTemplate[] = [];
  /** Adds a nested template; `stack` is its logical-id path from the root. */
  const add = (path: string, content: string, stack: string, tenant?: string) => {
    files.push({ path, content });
    const key = assetKey(content);
    nested.push({ file: path, key, stack, ...(tenant ? { tenant } : {}) });
    return key;
  };

  const byGroup = new Map<number, TenantAsset[]>();
  for (const t of plan.tenants) {
    const { content, parameters, template } = emitTenantTemplateJson(plan, t);
    visit(tenantFile(t.id), template);
    const key = add(tenantFile(t.id), content, `${groupStackId(t.placement.group)}/${tenantStackId(t)}`, t.id);
    const list = byGroup.get(t.placement.group) ?? [];
    list.push({ tenant: t, key, parameters });
    byGroup.set(t.placement.group, list);
    if (t.dns.mode === 'external') files.push({ path: `dns/${t.id}.txt`, content: externalDnsInstructions(t) });
  }
  const groups = new Map<number, { key: string; parameters: string[] }>();
  for (const g of plan.groups) {
    const template = emitGroupTemplate(plan, g, byGroup.get(g) ?? []);
    visit(groupFile(g), template);
    groups.set(g, { key: add(groupFile(g), serializeCompactJson(template), groupStackId(g)), parameters: Object.keys(template.Parameters ?? {}) });
  }
  const visited = (path: string, template: CfnTemplate) => {
    visit(path, template);
    return template;
  };
  const albShards = new Map(plan.albShards.map((s) => [s, add(albShardFile(s), serializeJson(visited(albShardFile(s), emitAlbShardTemplate(plan, s))), albShardStackId(s))] as const));
  const cacheShards = new Map(plan.cacheClusters.map((c) => [c, add(cacheShardFile(c), serializeJson(visited(cacheShardFile(c), emitCacheShardTemplate(plan, c))), cacheShardStackId(c))] as const));
  const network = planNetwork(plan.platform.vpcCidr, plan.platform.availabilityZones);
  const root = serializeJson(visited(ROOT_TEMPLATE_FILE, emitRootTemplate(plan, network, { albShards, cacheShards, groups })));
  files.push({ path: ROOT_TEMPLATE_FILE, content: root });
  files.push(...emitSql(plan));
  nested.sort((a, b) => compareStrings(a.file, b.file));
  const manifest: AssetsManifest = { format: ASSETS_FORMAT, root: { file: ROOT_TEMPLATE_FILE, key: assetKey(root) }, nested };
  files.push({ path: ASSETS_FILE, content: serializeJson(manifest) });
  return files.sort((a, b) => compareStrings(a.path, b.path));
}
