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
import { type DomainStageTemplate, domainStageStackName, TENANT_ZONE } from '../compiler/outputFormat.ts';
import { type Aws, templateUrl } from './aws.ts';
import { blockedBy, describeStack, isValidationError, type StackState } from './stackState.ts';

/** The stage's certificate, its zone parameter and the tenant stack's name servers output (compiler/emit/cfn). */
const STAGE_CERTIFICATE = 'domainStageCertificate';
const ZONE_PARAMETER = 'HostedZoneId';
const NAME_SERVERS_OUTPUT = 'NameServers';

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

export interface StageRequest {
  readonly rootStack: string;
  readonly bucket: string;
  readonly stages: readonly DomainStageTemplate[];
  /** How long all started stages together are given to finish before deploy moves on. */
  readonly waitMs: number;
  readonly pollMs: number;
}

/** A stage complete with its current template: its certificate is issued for the compiled names. */
export const isIssued = (state: StackState): boolean => state.kind === 'ready' && /^(CREATE|UPDATE)_COMPLETE$/.test(state.status);

/** The physical id of a resource (a nested stack's id, for one) found from the root by the logical ids of its path; null when it does not exist (yet). */
export async function nestedStackId(aws: Aws, root: string, path: string): Promise<string | null> {
  let stack = root;
  for (const logicalId of path.split('/')) {
    try {
      const r = await aws.send(() => aws.cfn.send(new DescribeStackResourceCommand({ StackName: stack, LogicalResourceId: logicalId })));
      const id = r.StackResourceDetail?.PhysicalResourceId;
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
  const r = await aws.send(() => aws.cfn.send(new DescribeStacksCommand({ StackName: stackId })));
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
    const r = await aws.send(() => aws.cfn.send(new DescribeStackEventsCommand({ StackName: stack })));
    return recordsIn((r.StackEvents ?? []).filter((e) => e.LogicalResourceId === STAGE_CERTIFICATE).map((e) => e.ResourceStatusReason ?? ''));
  } catch (e) {
    if (isValidationError(e, /does not exist/)) return [];
    throw e;
  }
}

/** Starts (or updates) every stage, waits for them together up to `waitMs`, and says where each stands. */
export async function runDomainStages(aws: Aws, req: StageRequest, say: (line: string) => void): Promise<StageResult[]> {
  const region = await aws.region();
  const started: { stage: DomainStageTemplate; stack: string; nameServers: string[] }[] = [];
  const results = new Map<string, StageResult>();
  const done = (r: StageResult) => results.set(r.tenant, r);

  for (const stage of req.stages) {
    const stack = domainStageStackName(req.rootStack, stage.tenant);
    const parameters: Parameter[] = [];
    let nameServers: string[] = [];
    if (stage.mode === 'delegated') {
      // The zone's id is its physical id in the tenant stack (read as a resource, not an
      // output: a stack's outputs exist only once it completes).
      const tenantStack = await nestedStackId(aws, req.rootStack, stage.tenantStack);
      const zone = tenantStack ? await nestedStackId(aws, tenantStack, TENANT_ZONE) : null;
      const outputs = zone ? await outputsOf(aws, tenantStack!) : new Map<string, string>();
      nameServers = (outputs.get(NAME_SERVERS_OUTPUT) ?? '').split(',').filter(Boolean);
      if (!zone) {
        done({
          tenant: stage.tenant,
          stack,
          status: 'deferred',
          detail: 'its zone is created by the root deploy; its stage starts after it',
          records: [],
          nameServers,
        });
        continue;
      }
      parameters.push({ ParameterKey: ZONE_PARAMETER, ParameterValue: zone });
    }
    const state = await describeStack(aws, stack);
    const input = { StackName: stack, TemplateURL: templateUrl(req.bucket, region, stage.key), Parameters: parameters };
    if (state.kind === 'absent') {
      // A stage whose certificate never validates (ACM gives up after 72 hours) deletes
      // itself; the next deploy asks again.
      await aws.send(() => aws.cfn.send(new CreateStackCommand({ ...input, OnFailure: 'DELETE', Tags: [{ Key: 'tenantc:tenant', Value: stage.tenant }] })));
      say(`  ${stage.tenant}: requested the certificate (stack ${stack})`);
    } else if (state.kind === 'ready') {
      try {
        await aws.send(() => aws.cfn.send(new UpdateStackCommand(input)));
        say(`  ${stage.tenant}: updating its stage (stack ${stack})`);
      } catch (e) {
        if (!isValidationError(e, /No updates are to be performed/)) throw e;
        done({ tenant: stage.tenant, stack, status: 'issued', detail: 'issued', records: await validationRecords(aws, stack), nameServers });
        continue;
      }
    } else if (state.kind === 'busy') {
      say(`  ${stage.tenant}: still waiting since an earlier deploy (${state.status})`);
    } else {
      done({ tenant: stage.tenant, stack, status: 'failed', detail: blockedBy(stack, state) ?? state.kind, records: [], nameServers });
      continue;
    }
    started.push({ stage, stack, nameServers });
  }

  // Every started stage gets the same bounded wait, together.
  const deadline = aws.clock.now() + req.waitMs;
  let pending = started;
  for (;;) {
    const still: typeof started = [];
    for (const s of pending) {
      const state = await describeStack(aws, s.stack);
      const records = await validationRecords(aws, s.stack);
      const base = { tenant: s.stage.tenant, stack: s.stack, records, nameServers: s.nameServers };
      if (isIssued(state)) done({ ...base, status: 'issued', detail: 'issued' });
      else if (state.kind === 'busy' || state.kind === 'review') {
        done({ ...base, status: 'waiting', detail: 'waiting for its validation records' });
        still.push(s);
      } else
        done({
          ...base,
          status: 'failed',
          detail: state.kind === 'ready' ? `${state.status}: its update rolled back` : (blockedBy(s.stack, state) ?? state.kind),
        });
    }
    pending = still;
    if (pending.length === 0 || aws.clock.now() >= deadline) break;
    await aws.clock.sleep(req.pollMs);
  }
  return req.stages.map((s) => results.get(s.tenant)!);
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
export async function removeStaleStages(aws: Aws, rootStack: string, tenants: readonly string[], say: (line: string) => void): Promise<string[]> {
  const removed: string[] = [];
  for (const tenant of tenants) {
    const stack = domainStageStackName(rootStack, tenant);
    const state = await describeStack(aws, stack);
    if (state.kind === 'absent') continue;
    await aws.send(() => aws.cfn.send(new DeleteStackCommand({ StackName: stack })));
    say(`  ${tenant}: deleting its domain stage (stack ${stack}): it is removed or no longer has its own DNS`);
    removed.push(tenant);
  }
  return removed;
}
