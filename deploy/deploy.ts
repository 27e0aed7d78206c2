// `tenantc deploy`, as named steps (rain's shape): read the output, check the stack,
// upload, create the change set, review it (print, guard), approve, execute and watch,
// protect. Domain stages (tenants with their own DNS) run before the root and, for a
// delegated tenant new to the estate, after it; they are never waited on beyond
// --domain-wait-seconds (deploy/domainStage.ts). Each step says what it is doing while it runs; any refusal or failure says
// why and what to do, and leaves nothing half-made (a refused or unapproved change set
// is deleted, and so is an empty stack a refused first deploy would leave behind).
import { DeleteStackCommand, UpdateTerminationProtectionCommand } from '@aws-sdk/client-cloudformation';
import { type Aws, templateUrl } from './aws.ts';
import { readDeployedRecord, recordDeployed, type UploadSummary, uploadAssets } from './assets.ts';
import { type ChangeSetNode, createChangeSet, deleteChangeSet, describeChangeSetTree, waitForChangeSet } from './changeSet.ts';
import { readCompiledOutput } from './compiledOutput.ts';
import { type DomainGateFinding, domainGate } from './domainGate.ts';
import { isIssued, removeStaleStages, runDomainStages, type StageResult, stageLines } from './domainStage.ts';
import { executeAndWatch, type Failure } from './execute.ts';
import { findNameHandovers, type NameHandover } from './nameHandover.ts';
import { guard, type GuardResult, type StackChanges, stacksOf } from './guard.ts';
import { changeSetLines, duration, eventLine, guardLines, rootCauseLines } from './render.ts';
import { setStackPolicy, stackPolicy } from './stackPolicy.ts';
import { blockedBy, describeStack, type StackState } from './stackState.ts';
import { domainStageStackName } from '../compiler/outputFormat.ts';

export interface DeployRequest {
  readonly outDir: string;
  readonly cwd: string;
  readonly stack: string;
  readonly bucket: string;
  /** Execute without asking. */
  readonly yes: boolean;
  /** Stop after the review (pull requests). */
  readonly execute: boolean;
  readonly allowReplace: readonly string[];
  readonly allowRemove: readonly string[];
  /** Delete a stack whose first create rolled back, then create it again. */
  readonly replaceFailed: boolean;
  readonly pollMs: number;
  /** How long the domain stages together are given before deploy moves on. */
  readonly domainWaitMs: number;
}

export interface Say {
  /** A step starting: `==> Uploading templates`. */
  step(text: string): void;
  line(text: string): void;
}

export type DeployOutcome = 'no-changes' | 'refused' | 'reviewed' | 'not-approved' | 'deployed' | 'failed' | 'blocked';

export interface DeployReport {
  readonly stack: string;
  readonly outcome: DeployOutcome;
  readonly message: string;
  readonly changeSet: { readonly name: string; readonly id: string; readonly type: 'CREATE' | 'UPDATE' } | null;
  readonly uploads: UploadSummary | null;
  readonly stacks: readonly StackChanges[];
  readonly guard: GuardResult | null;
  readonly status: string | null;
  readonly rootCause: Failure | null;
  /** Where each domain stage stands (tenants with their own DNS). */
  readonly domainStages: readonly StageResult[];
  /** Tenants whose certificate the change set would create before their domain stage is issued. */
  readonly domainGate: readonly DomainGateFinding[];
  /** Host names the output gives a tenant while another tenant's deployed stack holds them. */
  readonly nameHandovers: readonly NameHandover[];
  /** Tenants whose domain stage this deploy deleted: removed, or no longer with their own DNS. */
  readonly domainStagesRemoved: readonly string[];
}

/** Uploads listed one by one up to this many. */
const UPLOADS_NAMED = 10;

/** Exit code of each outcome: what ran as asked is 0. */
export const EXIT_OF: Record<DeployOutcome, number> = { 'no-changes': 0, reviewed: 0, deployed: 0, refused: 1, 'not-approved': 1, failed: 1, blocked: 1 };

function changeSetName(now: number): string {
  const t = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return `tenantc-${t.replace('T', '-')}`;
}

function totalChanges(tree: ChangeSetNode): number {
  return tree.changes.length + tree.children.reduce((n, c) => n + totalChanges(c), 0);
}

function nestedIds(tree: ChangeSetNode, into = new Map<string, string>()): Map<string, string> {
  if (tree.path !== '') into.set(tree.path, tree.stackId);
  for (const c of tree.children) nestedIds(c, into);
  return into;
}

export async function runDeploy(aws: Aws, req: DeployRequest, say: Say, prompt?: (question: string) => Promise<string>): Promise<DeployReport> {
  const started = aws.clock.now();
  let report: DeployReport = {
    stack: req.stack,
    outcome: 'failed',
    message: '',
    changeSet: null,
    uploads: null,
    stacks: [],
    guard: null,
    status: null,
    rootCause: null,
    domainStages: [],
    domainGate: [],
    domainStagesRemoved: [],
    nameHandovers: [],
  };
  const end = (outcome: DeployOutcome, message: string, more: Partial<DeployReport> = {}): DeployReport => {
    report = { ...report, ...more, outcome, message };
    say.line(message);
    return report;
  };

  say.step(`Reading ${req.outDir}`);
  const compiled = readCompiledOutput(req.outDir, req.cwd);
  say.line(`  ${compiled.bodies.size} templates, ${compiled.tenantOf.size} tenant stacks`);

  say.step(`Checking stack ${req.stack}`);
  let state: StackState = await describeStack(aws, req.stack);
  if (state.kind === 'rolled-back-create' && req.replaceFailed) {
    say.line(`  ${req.stack} is ROLLBACK_COMPLETE: deleting it to create it again (--replace-failed)`);
    await deleteAndWait(aws, state.stackId, req.pollMs);
    state = { kind: 'absent' };
  }
  const blocked = blockedBy(req.stack, state);
  if (blocked) return end('blocked', blocked);
  const type = state.kind === 'ready' ? 'UPDATE' : 'CREATE';
  say.line(
    `  ${state.kind === 'ready' ? `${state.status}: the change set updates it` : state.kind === 'review' ? 'REVIEW_IN_PROGRESS (a change set was never executed): the change set creates it' : 'does not exist: the change set creates it'}`,
  );

  const record = await readDeployedRecord(aws, req.bucket, req.stack);
  const handovers = await findNameHandovers(aws, req.bucket, record, compiled);
  report = { ...report, nameHandovers: handovers };
  if (handovers.length) {
    for (const h of handovers)
      say.line(`  ${h.name}: held by ${h.from}'s deployed stack, claimed by ${h.to}: ${h.to}'s would be created before ${h.from}'s is changed or deleted`);
    const to = [...new Set(handovers.map((h) => h.to))];
    return end(
      'refused',
      `refused: host names pass from one tenant to another in one deploy, which CloudFormation cannot order (the deploy would roll back); deploy in two steps: first without ${to.join(', ')}'s claim (set ${to.length === 1 ? 'its file' : 'their files'} aside, compile, deploy), then with it; nothing was uploaded or executed`,
    );
  }

  say.step(`Uploading templates to s3://${req.bucket}`);
  // Each upload is named while they are few (a change); a first deploy's hundreds are counted.
  const uploads = await uploadAssets(aws, req.bucket, record, compiled, (key, n) => n <= UPLOADS_NAMED && say.line(`  uploaded ${key}`));
  // Tenants by stack: this output's, and those of the last rollout, so that a stack
  // being removed (its tenant gone from the output) is still named by its tenant.
  const tenantOf = new Map([...(record?.nested ?? []).flatMap((t) => (t.tenant ? [[t.stack, t.tenant] as const] : [])), ...compiled.tenantOf]);
  report = { ...report, uploads };
  say.line(
    `  ${uploads.uploaded.length} uploaded, ${uploads.present} already there (known from ${uploads.knownFrom === 'deployed-record' ? "the last deploy's record" : 'a listing of the bucket'})`,
  );

  // Stages first (their templates are uploaded), so the review knows which are issued.
  // Only those still waiting or changed since the last rollout: an issued stage whose
  // names did not change has nothing to say, and an estate of thousands would pay three
  // calls for each on every deploy.
  const lastStage = new Map((record?.domains ?? []).map((d) => [d.tenant, d.key]));
  const activeStages = compiled.manifest.domains.filter((d) => !d.attached || lastStage.get(d.tenant) !== d.key);
  let stages: StageResult[] = [];
  if (activeStages.length && req.execute) {
    say.step(
      `Domain stages: ${activeStages.length} of ${compiled.manifest.domains.length} tenants with their own DNS, waiting or changed (given at most ${duration(req.domainWaitMs)})`,
    );
    stages = await runDomainStages(
      aws,
      { rootStack: req.stack, bucket: req.bucket, stages: activeStages, waitMs: req.domainWaitMs, pollMs: req.pollMs },
      say.line,
    );
    for (const l of stageLines(stages.filter((r) => r.status !== 'deferred'))) say.line(l);
    report = { ...report, domainStages: stages };
  }

  const name = changeSetName(aws.clock.now());
  say.step(`Creating change set ${name} (${type}, with nested stacks)`);
  const region = await aws.region();
  const cs = await createChangeSet(aws, {
    stack: req.stack,
    name,
    type,
    templateUrl: templateUrl(req.bucket, region, compiled.manifest.root.key),
    parameters: { AssetsBucketName: req.bucket },
    description: `tenantc ${compiled.manifest.root.key}`,
  });
  report = { ...report, changeSet: { name, id: cs.id, type } };
  // A first deploy that does not go ahead leaves its empty REVIEW_IN_PROGRESS stack behind.
  const discard = async () => {
    await deleteChangeSet(aws, cs.id);
    if (state.kind === 'absent') await aws.send(() => aws.cfn.send(new DeleteStackCommand({ StackName: cs.stackId })));
  };
  const status = await waitForChangeSet(aws, cs.id, req.pollMs);
  if (status.kind === 'no-changes') {
    await deleteChangeSet(aws, cs.id);
    return end('no-changes', `No changes: stack ${req.stack} already matches ${req.outDir}. The empty change set was deleted.`);
  }
  if (status.kind === 'failed') {
    await discard();
    return end('failed', `change set ${name} ${status.status}: ${status.reason}`);
  }

  say.step(`Reviewing change set ${name}`);
  const tree = await describeChangeSetTree(aws, cs.id);
  const stacks = stacksOf(tree, tenantOf);
  const changed = stacks.filter((s) => s.changes.length > 0);
  say.line(`  ${totalChanges(tree)} resource changes in ${changed.length} stack${changed.length === 1 ? '' : 's'}:`);
  for (const l of changeSetLines(stacks)) say.line(l);
  const verdict = guard(stacks, tenantOf, req.allowReplace, req.allowRemove);
  report = { ...report, stacks, guard: verdict };
  for (const l of guardLines(verdict)) say.line(l);
  if (verdict.refused.length) {
    await discard();
    return end(
      'refused',
      `refused: ${verdict.refused.length} stateful resource${verdict.refused.length === 1 ? '' : 's'} would be replaced or removed; nothing was executed`,
    );
  }
  const issued = new Set(stages.filter((r) => r.status === 'issued').map((r) => r.tenant));
  // A stage this deploy did not touch (issued earlier, names unchanged) is asked now, if the change set needs it.
  for (const g of domainGate(stacks, compiled.manifest.domains, issued)) {
    if (stages.some((r) => r.tenant === g.tenant)) continue;
    if (isIssued(await describeStack(aws, domainStageStackName(req.stack, g.tenant)))) issued.add(g.tenant);
  }
  const gate = domainGate(stacks, compiled.manifest.domains, issued);
  report = { ...report, domainGate: gate };
  if (gate.length) {
    for (const g of gate) {
      say.line(
        `  ${g.tenant}: the change set ${g.change}, but its domain stage is not issued: CloudFormation would wait on the tenant's DNS, holding every other change behind it`,
      );
    }
    await discard();
    return end(
      'refused',
      `refused: ${gate.map((g) => g.tenant).join(', ')} ${gate.length === 1 ? 'says' : 'say'} dns.validated but ${gate.length === 1 ? 'its domain stage is' : 'their domain stages are'} not issued (records above, and out/dns/<id>.txt): set dns.validated: false until deploy reports it issued; nothing was executed`,
    );
  }
  if (!req.execute)
    return end('reviewed', `Not executing (--no-execute). The change set stays for review: ${name} (executing any change set of a stack deletes its others).`);

  if (!req.yes) {
    if (!prompt) {
      await discard();
      return end(
        'not-approved',
        'not executing: there is no terminal to ask for approval; pass --yes to execute without asking (CI). The change set was deleted.',
      );
    }
    const answer = (await prompt(`Execute change set ${name} on ${req.stack}? [y/N] `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') {
      await discard();
      return end('not-approved', 'not executed: the change set was deleted.');
    }
  }

  // Allowed replacements and removals: their stacks' policies let exactly those through.
  const relaxed = new Map<string, { replace: string[]; remove: string[] }>();
  for (const f of verdict.allowed) {
    const stackId = f.path === '' ? cs.stackId : f.stackId;
    const e = relaxed.get(stackId) ?? { replace: [], remove: [] };
    e[f.kind].push(f.logicalId);
    relaxed.set(stackId, e);
  }
  if (type === 'UPDATE') for (const [stackId, exempt] of relaxed) await setStackPolicy(aws, stackId, stackPolicy(exempt));

  say.step(`Executing change set ${name}`);
  let outcome;
  try {
    outcome = await executeAndWatch(aws, {
      stack: req.stack,
      stackId: cs.stackId,
      changeSetId: cs.id,
      total: totalChanges(tree),
      nested: nestedIds(tree),
      tenantOf,
      pollMs: req.pollMs,
      onEvent: (e) => say.line(`  ${eventLine(e)}`),
    });
  } finally {
    // Whatever happened, the strict policy is back before deploy returns.
    if (type === 'UPDATE') for (const stackId of relaxed.keys()) await setStackPolicy(aws, stackId, stackPolicy());
  }
  if (!outcome.ok) {
    for (const l of rootCauseLines(outcome.rootCause)) say.line(l);
    const rolledBack = /ROLLBACK_COMPLETE$/.test(outcome.status);
    return end('failed', `deploy failed: stack ${req.stack} is ${outcome.status}${rolledBack ? ' (rolled back: the stack is as it was before)' : ''}`, {
      status: outcome.status,
      rootCause: outcome.rootCause,
    });
  }

  say.step('Protecting the stacks');
  if (type === 'CREATE' || (state.kind === 'ready' && !state.terminationProtection)) {
    await aws.send(() => aws.cfn.send(new UpdateTerminationProtectionCommand({ StackName: cs.stackId, EnableTerminationProtection: true })));
    say.line(`  termination protection on ${req.stack}`);
  }
  await setStackPolicy(aws, cs.stackId, stackPolicy());
  for (const c of outcome.created) await setStackPolicy(aws, c.stackId, stackPolicy());
  say.line(
    `  stack policy (no replacing or deleting stateful resources) on ${req.stack}${outcome.created.length ? ` and ${outcome.created.length} new nested stack${outcome.created.length === 1 ? '' : 's'}` : ''}`,
  );
  await recordDeployed(aws, req.bucket, req.stack, compiled);
  // Delegated tenants new to the estate: their zone exists now, so their stages can start.
  const deferred = compiled.manifest.domains.filter((d) => stages.find((r) => r.tenant === d.tenant)?.status === 'deferred');
  if (deferred.length) {
    say.step(`Domain stages of ${deferred.length} new delegated zone${deferred.length === 1 ? '' : 's'}`);
    const after = await runDomainStages(aws, { rootStack: req.stack, bucket: req.bucket, stages: deferred, waitMs: 0, pollMs: req.pollMs }, say.line);
    for (const l of stageLines(after)) say.line(l);
    report = { ...report, domainStages: stages.map((r) => after.find((a) => a.tenant === r.tenant) ?? r) };
  }
  const compiledStages = new Set(compiled.manifest.domains.map((d) => d.tenant));
  const stale = (record?.domains ?? []).map((d) => d.tenant).filter((t) => !compiledStages.has(t));
  if (stale.length) {
    say.step(`Domain stages no longer compiled: ${stale.join(', ')}`);
    report = { ...report, domainStagesRemoved: await removeStaleStages(aws, req.stack, stale, say.line) };
  }
  return end('deployed', `Deployed ${req.stack}: ${outcome.status} in ${duration(aws.clock.now() - started)}.`, { status: outcome.status });
}

async function deleteAndWait(aws: Aws, stackId: string, pollMs: number): Promise<void> {
  await aws.send(() => aws.cfn.send(new DeleteStackCommand({ StackName: stackId })));
  for (;;) {
    const s = await describeStack(aws, stackId);
    if (s.kind === 'absent' || (s.kind === 'failed' && s.status === 'DELETE_COMPLETE')) return;
    if (s.kind === 'failed') throw new Error(`deleting ${stackId} failed: ${s.status} ${s.reason}`);
    await aws.clock.sleep(pollMs);
  }
}
