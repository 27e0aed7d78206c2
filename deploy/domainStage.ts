// Domain stages: one stack per tenant with its own DNS, next to the root and never
// nested in it (compiler/emit/cfn/domainStage.ts). Deploy starts each, gives them all a
// bounded time together, and moves on: a stage waits for its customer's DNS records
// (for up to ACM's 72 hours), never the deploy. What it reports per tenant is what the
// platform does next: the records to hand over, or "issued: set dns.validated".
//
// A delegated tenant's stage validates in the zone its tenant stack holds, so it runs
// once that stack exists: a new delegated tenant's stage starts after the root deploy.
import {
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourceCommand,
  DescribeStacksCommand,
  type Parameter,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import {
  DOMAIN_STAGE_CERTIFICATE,
  DOMAIN_STAGE_ZONE_PARAMETER,
  type DomainStageTemplate,
  domainStageStackName,
  TENANT_NAME_SERVERS_OUTPUT,
  TENANT_ZONE,
} from '../compiler/outputFormat.ts';
import { type Aws, templateUrl } from './aws.ts';
import type { Pacer } from './clock.ts';
import { blockedBy, describeStack, isValidationError, type StackState } from './stackState.ts';

export type StageStatus =
  /** Complete with the compiled template: its certificate is issued for the compiled names. */
  | 'issued'
  /** Started or still running: waiting for its validation records. */
  | 'waiting'
  /** Not started in this pass: a delegated tenant whose zone does not exist yet. */
  | 'deferred'
  | 'failed';

export interface StageResult {
  readonly tenant: string;
  readonly stack: string;
  readonly status: StageStatus;
  readonly detail: string;
  /** Validation records ACM asked for, as `name CNAME value`, from the certificate's events. */
  readonly records: readonly string[];
  /** A delegated zone's name servers, from the tenant stack. */
  readonly nameServers: readonly string[];
}

/** A stage complete with its current template: its certificate is issued for the compiled names. */
export const isIssued = (state: StackState): boolean => state.kind === 'ready' && /^(CREATE|UPDATE)_COMPLETE$/.test(state.status);

/** The physical id of a resource (a nested stack's id, for one) found from the root by the logical ids of its path; null when it does not exist (yet). */
export async function nestedStackId(aws: Aws, root: string, path: string): Promise<string | null> {
  let stack = root;
  for (const logicalId of path.split('/')) {
    try {
      const r = await aws.cfn.send(new DescribeStackResourceCommand({ StackName: stack, LogicalResourceId: logicalId }));
      const id = r?.StackResourceDetail?.PhysicalResourceId;
      if (!id) return null;
      stack = id;
    } catch (e) {
      if (isValidationError(e, /does not exist|not found/i)) return null;
      throw e;
    }
  }
  return stack;
}

async function outputsOf(aws: Aws, stackId: string): Promise<ReadonlyMap<string, string>> {
  const r = await aws.cfn.send(new DescribeStacksCommand({ StackName: stackId }));
  return new Map((r.Stacks?.[0]?.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue !== undefined ? [[o.OutputKey, o.OutputValue] as const] : [])));
}

/**
 * The validation records CloudFormation reports while it waits on the certificate:
 * "Content of DNS Record is: {Name: _x.example.com.,Type: CNAME,Value: _y.acm-validations.aws.}".
 */
export function recordsIn(reasons: readonly string[]): string[] {
  const out = new Set<string>();
  for (const reason of reasons) {
    for (const m of reason.matchAll(/Name:\s*([^,}\s]+)\s*,\s*Type:\s*(\w+)\s*,\s*Value:\s*([^,}\s]+)/g)) out.add(`${m[1]} ${m[2]} ${m[3]}`);
  }
  return [...out].sort();
}

async function validationRecords(aws: Aws, stack: string): Promise<string[]> {
  try {
    const r = await aws.cfn.send(new DescribeStackEventsCommand({ StackName: stack }));
    return recordsIn((r.StackEvents ?? []).filter((e) => e.LogicalResourceId === DOMAIN_STAGE_CERTIFICATE).map((e) => e.ResourceStatusReason ?? ''));
  } catch (e) {
    if (isValidationError(e, /does not exist/)) return [];
    throw e;
  }
}

/** What deploy will do with a stage once the deploy is approved (read before, changing nothing). */
export type StageAction =
  /** Its stack does not exist: create it (ACM is asked for the certificate). */
  | 'create'
  /** Its template changed since the last deploy (or deploy has no record of it): update it. */
  | 'update'
  /** Complete with this template: nothing to do. */
  | 'issued'
  /** Still running since an earlier deploy: only watched. */
  | 'watch'
  /** A delegated tenant whose zone its tenant stack has not created yet: after the rollout. */
  | 'defer'
  /** In a state no deploy can move it out of. */
  | 'broken';

export interface StagePlan {
  readonly stage: DomainStageTemplate;
  readonly stack: string;
  readonly action: StageAction;
  readonly detail: string;
  /** A delegated stage's zone (its tenant stack's), passed as its parameter. */
  readonly zone: string | null;
  readonly nameServers: readonly string[];
}

export interface StagePlanRequest {
  readonly rootStack: string;
  readonly stages: readonly DomainStageTemplate[];
  /** Each tenant's stage template key of the last rollout (its record), to tell an unchanged stage. */
  readonly lastKeys: ReadonlyMap<string, string>;
}

/** Where each stage stands and what deploy would do with it: describes only, changes nothing. */
export async function planStages(aws: Aws, req: StagePlanRequest): Promise<StagePlan[]> {
  const plans: StagePlan[] = [];
  for (const stage of req.stages) {
    const stack = domainStageStackName(req.rootStack, stage.tenant);
    let zone: string | null = null;
    let nameServers: string[] = [];
    if (stage.mode === 'delegated') {
      // The zone's id is its physical id in the tenant stack (read as a resource, not an
      // output: a stack's outputs exist only once it completes).
      const tenantStack = await nestedStackId(aws, req.rootStack, stage.tenantStack);
      zone = tenantStack ? await nestedStackId(aws, tenantStack, TENANT_ZONE) : null;
      const outputs = zone ? await outputsOf(aws, tenantStack!) : new Map<string, string>();
      nameServers = (outputs.get(TENANT_NAME_SERVERS_OUTPUT) ?? '').split(',').filter(Boolean);
      if (!zone) {
        plans.push({ stage, stack, action: 'defer', detail: 'its zone is created by the root deploy; its stage starts after it', zone, nameServers });
        continue;
      }
    }
    const state = await describeStack(aws, stack);
    const base = { stage, stack, zone, nameServers };
    if (state.kind === 'absent') plans.push({ ...base, action: 'create', detail: 'requests the certificate' });
    else if (state.kind === 'ready')
      plans.push(
        req.lastKeys.get(stage.tenant) === stage.key && isIssued(state)
          ? { ...base, action: 'issued', detail: 'issued' }
          : { ...base, action: 'update', detail: 'updates its stage (its names changed, or this deploy has no record of them)' },
      );
    else if (state.kind === 'busy' || state.kind === 'review') plans.push({ ...base, action: 'watch', detail: 'waiting since an earlier deploy' });
    else plans.push({ ...base, action: 'broken', detail: blockedBy(stack, state) ?? state.kind });
  }
  return plans;
}

export interface StageStart {
  readonly bucket: string;
  /** --role-arn: the service role CloudFormation acts with. */
  readonly roleArn: string | null;
  /** Unique to this deploy: makes a retried create or update the same request. */
  readonly token: string;
}

/**
 * Creates or updates each planned stage. A stage that cannot start is that stage's
 * failure, reported with AWS's reason; it never stops the others or the deploy.
 */
export async function startStages(aws: Aws, plans: readonly StagePlan[], start: StageStart, say: (line: string) => void): Promise<StageResult[]> {
  const region = await aws.region();
  const results: StageResult[] = [];
  for (const p of plans) {
    const base = { tenant: p.stage.tenant, stack: p.stack, records: [] as string[], nameServers: p.nameServers };
    if (p.action === 'defer') {
      results.push({ ...base, status: 'deferred', detail: p.detail });
      continue;
    }
    if (p.action === 'broken') {
      results.push({ ...base, status: 'failed', detail: p.detail });
      continue;
    }
    if (p.action === 'issued') {
      results.push({ ...base, status: 'issued', detail: 'issued' });
      continue;
    }
    const input = {
      StackName: p.stack,
      TemplateURL: templateUrl(start.bucket, region, p.stage.key),
      Parameters: p.zone ? [{ ParameterKey: DOMAIN_STAGE_ZONE_PARAMETER, ParameterValue: p.zone }] : ([] as Parameter[]),
      ClientRequestToken: `${start.token}-${p.stage.tenant}`.slice(0, 128),
      ...(start.roleArn ? { RoleARN: start.roleArn } : {}),
    };
    try {
      if (p.action === 'create') {
        // A stage whose certificate never validates (ACM gives up after 72 hours) deletes
        // itself; the next deploy asks again.
        await aws.cfn.send(new CreateStackCommand({ ...input, OnFailure: 'DELETE', Tags: [{ Key: 'tenantc:tenant', Value: p.stage.tenant }] }));
        say(`  ${p.stage.tenant}: requested the certificate (stack ${p.stack})`);
      } else if (p.action === 'update') {
        try {
          await aws.cfn.send(new UpdateStackCommand(input));
          say(`  ${p.stage.tenant}: updating its stage (stack ${p.stack})`);
        } catch (e) {
          if (!isValidationError(e, /No updates are to be performed/)) throw e;
        }
      } else say(`  ${p.stage.tenant}: still waiting since an earlier deploy`);
    } catch (e) {
      if (!(e instanceof Error) || !('$metadata' in e)) throw e;
      results.push({ ...base, status: 'failed', detail: `${e.name}: ${e.message}` });
      continue;
    }
    results.push({ ...base, status: 'waiting', detail: 'waiting for its validation records' });
  }
  return results;
}

export interface StageWait {
  /** How long the stages in `awaited` are given before deploy moves on. */
  readonly waitMs: number;
  readonly pollMs: number;
  /** Tenants whose stage is waited for; the others are read once. */
  readonly awaited: ReadonlySet<string>;
}

/** Reads each started stage, again every poll while an awaited one is still waiting, up to `waitMs`. */
export async function watchStages(aws: Aws, started: readonly StageResult[], w: StageWait, pacer: Pacer): Promise<StageResult[]> {
  const results = new Map(started.map((r) => [r.tenant, r]));
  const deadline = aws.clock.now() + w.waitMs;
  let pending = started.filter((r) => r.status === 'waiting');
  for (;;) {
    const still: StageResult[] = [];
    for (const s of pending) {
      const state = await describeStack(aws, s.stack);
      const records = await validationRecords(aws, s.stack);
      const base = { ...s, records };
      if (isIssued(state)) results.set(s.tenant, { ...base, status: 'issued', detail: 'issued' });
      else if (state.kind === 'busy' || state.kind === 'review') {
        results.set(s.tenant, { ...base, status: 'waiting', detail: 'waiting for its validation records' });
        still.push(s);
      } else
        results.set(s.tenant, {
          ...base,
          status: 'failed',
          detail: state.kind === 'ready' ? `${state.status}: its update rolled back` : (blockedBy(s.stack, state) ?? state.kind),
        });
    }
    pending = still.filter((s) => w.awaited.has(s.tenant));
    if (pending.length === 0 || aws.clock.now() >= deadline) break;
    await pacer.pause(Math.min(w.pollMs, Math.max(0, deadline - aws.clock.now())), 'domain stages');
  }
  return started.map((r) => results.get(r.tenant)!);
}

/** Plans, starts and watches stages in one go: the delegated zones created by a rollout, after it. */
export async function runDomainStages(
  aws: Aws,
  req: StagePlanRequest & StageStart & { readonly waitMs: number; readonly pollMs: number },
  pacer: Pacer,
  say: (line: string) => void,
): Promise<StageResult[]> {
  const plans = await planStages(aws, req);
  const started = await startStages(aws, plans, req, say);
  return watchStages(aws, started, { waitMs: req.waitMs, pollMs: req.pollMs, awaited: new Set(started.map((s) => s.tenant)) }, pacer);
}

/** The review's lines: what deploy will do with each stage once approved. */
export function stagePlanLines(plans: readonly StagePlan[]): string[] {
  const what: Record<StageAction, string> = {
    create: 'its stage will request the certificate',
    update: 'its stage will be updated',
    issued: 'certificate issued',
    watch: 'certificate waiting for validation (since an earlier deploy)',
    defer: 'its stage starts after the rollout (its zone is created by it)',
    broken: 'its stage is stuck',
  };
  return plans.map((p) => `  ${p.stage.tenant}: ${what[p.action]}${p.action === 'broken' ? `: ${p.detail}` : ''}`);
}

/** What the operator reads: each stage, and what to do about it. */
export function stageLines(results: readonly StageResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(
      `  ${r.tenant}: ${r.status === 'issued' ? 'certificate issued' : r.status === 'waiting' ? 'certificate waiting for validation' : r.status}${r.detail && r.detail !== 'issued' && r.status !== 'waiting' ? ` (${r.detail})` : ''}`,
    );
    if (r.nameServers.length && r.status !== 'issued') lines.push(`    delegate the zone to: ${r.nameServers.join(' ')}`);
    if (r.records.length && r.status !== 'issued') {
      lines.push('    the tenant creates (and keeps) these records:');
      for (const rec of r.records) lines.push(`      ${rec}`);
    }
    if (r.status === 'issued') lines.push(`    if its manifest does not say so yet: set \`dns.validated: true\` to serve its names`);
  }
  return lines;
}

/**
 * Deletes the stages of tenants the last deploy had and this output has not (the tenant
 * was removed, or no longer has its own DNS), once the rollout that dropped them
 * succeeded. A stage holds only a certificate that nothing uses (the tenant stack has
 * its own), so nothing is lost; left behind, it would be an orphan outside any stack the
 * estate knows. Deploy does not wait for the deletions: they block nothing.
 */
export async function removeStaleStages(
  aws: Aws,
  rootStack: string,
  tenants: readonly string[],
  roleArn: string | null,
  say: (line: string) => void,
): Promise<string[]> {
  const removed: string[] = [];
  for (const tenant of tenants) {
    const stack = domainStageStackName(rootStack, tenant);
    const state = await describeStack(aws, stack);
    if (state.kind === 'absent') continue;
    await aws.cfn.send(new DeleteStackCommand({ StackName: stack, ...(roleArn ? { RoleARN: roleArn } : {}) }));
    say(`  ${tenant}: deleting its domain stage (stack ${stack}): it is removed or no longer has its own DNS`);
    removed.push(tenant);
  }
  return removed;
}
