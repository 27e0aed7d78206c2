// Emit stage: plan → the files of the output tree. Pure. Children are emitted before
// parents because a parent names each child by the hash of its content.
import { compareStrings } from '../diagnostics.ts';
import type { EstatePlan, TenantPlan } from '../plan/model.ts';
import { serializeCompactJson, serializeJson } from './serialize.ts';
import { ASSETS_FILE, ASSETS_FORMAT, RUNTIME_HOSTS_FILE, type AssetsManifest, type DomainStageTemplate, type NestedTemplate } from '../outputFormat.ts';
import { domainStageFile, emitDomainStageTemplate } from './cfn/domainStage.ts';
import { albShardFile, emitAlbShardTemplate } from './cfn/albShard.ts';
import { assetKey, assetKeyOfDigest, sha256Hex } from './cfn/assets.ts';
import type { EmittedTenant, TenantAsset, TenantReuse, TenantTemplate } from './reuse.ts';
import { cacheShardFile, emitCacheShardTemplate } from './cfn/cache.ts';
import { emitGroupTemplate, groupFile } from './cfn/group.ts';
import { emitRootTemplate, ROOT_TEMPLATE_FILE, type NestedKeys } from './cfn/root.ts';
import { federationHandover } from './cfn/tenant/auth.ts';
import { dnsInstructions } from './cfn/tenant/dns.ts';
import { emitTenantTemplate, tenantFile } from './cfn/tenant/tenantStack.ts';
import type { OutputFile } from './output.ts';
import type { CfnTemplate } from './cfn/template.ts';
import { emitSql } from './sql/emitSql.ts';
import { planRuntimeHostMap } from '../plan/runtimeHosts.ts';

/** What deploy reads of a tenant stack beside its template (outputFormat.ts NestedTemplate). */
const tenantFacts = (t: TenantPlan) => ({
  tenant: t.id,
  status: t.status,
  incarnation: t.lifecycle.incarnation,
  ...(t.lifecycle.restoredFrom ? { restoredFrom: t.lifecycle.restoredFrom } : {}),
});

const assert = (what: string): never => {
  throw new Error(`internal: ${what}`);
};

/**
 * Sees every template as it is emitted, with the text it is written as (the review
 * gate); what it returns of a tenant's template is kept with it for reuse (reuse.ts).
 */
export type TemplateVisitor<R = void> = (path: string, template: CfnTemplate, text: string) => R;

/**
 * Sees every other file (DNS and federation instructions, SQL, the runtime host map, the
 * assets manifest) as soon as it is made, so that a writer can take it while emit goes
 * on (write/threadedWrite.ts): at the end, 67 DNS files of a 500-tenant estate were the
 * writer's last 20-30 ms, after emit.
 */
export type FileVisitor = (file: OutputFile) => void;

export function emitEstate<R = void>(
  plan: EstatePlan,
  visit: TemplateVisitor<R> = () => undefined as R,
  reuse?: TenantReuse<R>,
  visitFile: FileVisitor = () => {},
): OutputFile[] {
  const files: OutputFile[] = [];
  /** A file that is not a template, made: kept and shown to visitFile. */
  const made = (file: OutputFile) => {
    files.push(file);
    visitFile(file);
  };
  const nested: NestedTemplate[] = [];
  /** Adds a nested template; `stack` is its logical-id path from the root. */
  const add = (path: string, template: CfnTemplate, serialize: (t: CfnTemplate) => string, stack: string) => {
    const content = serialize(template);
    visit(path, template, content);
    files.push({ path, content });
    const key = assetKey(content);
    nested.push({ file: path, key, stack });
    return key;
  };

  const domains: DomainStageTemplate[] = [];
  // Group membership is the plan's (GroupPlan.tenants): each tenant stack sits in the
  // group that lists it, and each group stack holds exactly the tenants it lists.
  const groupOf = new Map(plan.groups.flatMap((g) => g.tenants.map((id) => [id, g] as const)));
  const assets = new Map<string, TenantAsset>();
  /** A template serialized, reviewed and hashed: what reuse.ts keeps of it. */
  const reviewed = (path: string, template: CfnTemplate, serialize: (t: CfnTemplate) => string): TenantTemplate<R> => {
    const content = serialize(template);
    return { file: { path, content }, review: visit(path, template, content), sha256: sha256Hex(content) };
  };
  /** A tenant's templates, emitted and reviewed: what reuse.ts keeps of a tenant. */
  const emitTenant = (t: TenantPlan): EmittedTenant<R> => {
    const { template, parameters } = emitTenantTemplate(plan, t);
    // Tenant templates are most of the output: compact JSON keeps the tree small.
    const templates = [reviewed(tenantFile(t.id), template, serializeCompactJson)];
    if (t.dns.mode !== 'platform') templates.push(reviewed(domainStageFile(t.id), emitDomainStageTemplate(plan, t), serializeJson));
    return { templates, parameters: { shared: parameters.shared, shard: parameters.shard } };
  };
  for (const t of plan.tenants) {
    const group = groupOf.get(t.id);
    if (!group) throw new Error(`internal: tenant ${t.id} is in none of the plan's groups`);
    let emitted = reuse?.lookup(t) ?? null;
    if (!emitted) {
      emitted = emitTenant(t);
      reuse?.emitted(t, emitted);
    }
    const [stack, stage] = emitted.templates;
    if (!stack || stack.file.path !== tenantFile(t.id) || (t.dns.mode !== 'platform') !== (stage !== undefined) || emitted.templates.length > 2)
      throw new Error(`internal: the templates of tenant ${t.id} are not its stack's and its domain stage's`);
    const tenantStack = `${group.stack}/${t.names.stack}`;
    files.push(stack.file);
    const key = stack.sha256 ? assetKeyOfDigest(stack.sha256) : assetKey(stack.file.content);
    nested.push({ file: stack.file.path, key, stack: tenantStack, ...tenantFacts(t) });
    if (stage && t.dns.mode !== 'platform') {
      if (stage.file.path !== domainStageFile(t.id)) throw new Error(`internal: tenant ${t.id}'s domain stage is not at ${domainStageFile(t.id)}`);
      files.push(stage.file);
      const stageKey = stage.sha256 ? assetKeyOfDigest(stage.sha256) : assetKey(stage.file.content);
      domains.push({ file: stage.file.path, key: stageKey, tenant: t.id, mode: t.dns.mode, tenantStack, attached: t.dns.ready });
    }
    assets.set(t.id, { tenant: t, key, parameters: emitted.parameters });
    if (t.dns.mode !== 'platform') made({ path: `dns/${t.id}.txt`, content: dnsInstructions(t) });
    const idp = federationHandover(t);
    if (idp) made({ path: `idp/${t.id}.txt`, content: idp });
  }
  const keys: NestedKeys = {
    groups: plan.groups.map((group) => {
      // Without reuse the members are not even listed (optional chaining skips the argument).
      let emitted =
        reuse?.lookupGroup(
          group,
          group.tenants.map((id) => assets.get(id) ?? assert(`group ${group.index} lists tenant ${id}, whose stack was not emitted`)),
        ) ?? null;
      if (!emitted) {
        const { template, parameters } = emitGroupTemplate(plan, group, assets);
        emitted = { template: reviewed(groupFile(group.index), template, serializeCompactJson), parameters };
        reuse?.emittedGroup(group, emitted);
      }
      const { file, sha256 } = emitted.template;
      if (file.path !== groupFile(group.index) || !sha256) throw new Error(`internal: group ${group.index}'s template is not at ${groupFile(group.index)}`);
      files.push(file);
      const key = assetKeyOfDigest(sha256);
      nested.push({ file: file.path, key, stack: group.stack });
      return { group, key, parameters: emitted.parameters };
    }),
    albShards: plan.albShards.map((shard) => ({ shard, key: add(albShardFile(shard.index), emitAlbShardTemplate(plan, shard), serializeJson, shard.stack) })),
    cacheShards: plan.cacheClusters.map((cluster) => ({
      cluster,
      key: add(cacheShardFile(cluster.index), emitCacheShardTemplate(plan, cluster), serializeJson, cluster.stack),
    })),
  };
  const rootTemplate = emitRootTemplate(plan, keys);
  const root = serializeJson(rootTemplate);
  visit(ROOT_TEMPLATE_FILE, rootTemplate, root);
  files.push({ path: ROOT_TEMPLATE_FILE, content: root });
  for (const sql of emitSql(plan)) made(sql);
  made({ path: RUNTIME_HOSTS_FILE, content: serializeJson(planRuntimeHostMap(plan)) });
  nested.sort((a, b) => compareStrings(a.file, b.file));
  const manifest: AssetsManifest = { format: ASSETS_FORMAT, root: { file: ROOT_TEMPLATE_FILE, key: assetKey(root) }, nested, domains };
  made({ path: ASSETS_FILE, content: serializeJson(manifest) });
  return files.sort((a, b) => compareStrings(a.path, b.path));
}
