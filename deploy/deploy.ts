// `tenantc deploy`, as named steps (rain's shape): read the output, check the stack,
// upload, make (or take) the change set, review it (print, guard, domain gate), ask,
// then change AWS: the domain stages, the rollout (watched), and the reconcile that
// every deploy ends with, a no-change one too (termination protection, stack policies,
// the deployed record). Nothing that serves or holds anything changes before approval:
// before it deploy only reads, uploads content-addressed templates (inert until a stack
// points at them) and makes the change set it asks about.
//
// Every wait is bounded (--timeout) and every step can be interrupted: a refused or
// unapproved change set this run made is deleted; an interrupted rollout gets its
// relaxed policies back first, and the next run (plain, or --change-set) finishes the
// work. Failures say why, with the root cause.
import { createHash } from 'node:crypto';
import { DeleteStackCommand, UpdateTerminationProtectionCommand } from '@aws-sdk/client-cloudformation';
import { ASSETS_BUCKET_PARAMETER, domainStageStackName, TEMPLATE_SUFFIX } from '../compiler/outputFormat.ts';
import { type UploadSummary, uploadAssets } from './assets.ts';
import { type Aws, templateUrl } from './aws.ts';
import { adoptChangeSet, type ChangeSetNode, createChangeSet, deleteChangeSet, describeChangeSetTree, waitForChangeSet } from './changeSet.ts';
import { Interrupted, Pacer, TimedOut } from './clock.ts';
import { type CompiledForDeploy, readCompiledOutput } from './compiledOutput.ts';
import { type DomainGateFinding, domainGate } from './domainGate.ts';
import {
  isIssued,
  nestedStackId,
  planStages,
  removeStaleStages,
  runDomainStages,
  type StagePlan,
  type StageResult,
  stageLines,
  stagePlanLines,
  startStages,
  watchStages,
} from './domainStage.ts';
import { explain } from './errors.ts';
import { executeAndWatch, type Failure, type Running, WatchStopped } from './execute.ts';
import { guard, type GuardResult, type StackChanges, stacksOf, staleAllows } from './guard.ts';
import { type LifecycleFinding, lifecycleLines, removedBeforeOffboarded } from './lifecycle.ts';
import { findNameHandovers, type NameHandover } from './nameHandover.ts';
import { type DeployedRecord, readDeployedRecord, writeDeployedRecord } from './record.ts';
import { removedAfter, restoreAllowed, type RestoreFinding, restoreFindingLines, restoresIn, restoringJournal } from './restore.ts';
import { changeSetLines, duration, eventLine, guardLines, rootCauseLines, stackTitle } from './render.ts';
import { setStackPolicy, stackPolicy } from './stackPolicy.ts';
import { blockedBy, describeStack, type StackState } from './stackState.ts';
import { markOf, NOTE_FORMAT, noteMismatch, readNote, stackMoved, writeNote } from './note.ts';
import { proveChangeSetTemplates, TemplateMismatchError } from './templateProof.ts';
import { imageLines, imageRefusal, imagesOf, type ProvenImage, proveImages } from './imageProof.ts';
import { type Allow, formatAllow } from '../compiler/allow.ts';

export interface DeployRequest {
  readonly outDir: string;
  readonly cwd: string;
  readonly stack: string;
  readonly bucket: string;
  /** Execute without asking. */
  readonly yes: boolean;
  /** false: stop after the review and keep the change set (--no-execute). */
  readonly execute: boolean;
  /** Execute this change set (made earlier by --no-execute) instead of making one. */
  readonly changeSet: string | null;
  /** What the operator or the pull request allowed (compiler/allow.ts). */
  readonly allows: readonly Allow[];
  /** Delete a stack whose first create rolled back, then create it again. */
  readonly replaceFailed: boolean;
  /** Wait for a stack another operation is updating (false: --no-wait, say so and stop). */
  readonly wait: boolean;
  readonly pollMs: number;
  /** How long the domain stages a change set needs are given before it executes. */
  readonly domainWaitMs: number;
  /** The bound of every wait of this deploy together (--timeout). */
  readonly timeoutMs: number;
  /** The service role CloudFormation acts with (--role-arn). */
  readonly roleArn: string | null;
  /** The change-set note (deploy/note.ts), relative to cwd: written for each change set made, required by --change-set. */
  readonly notePath: string;
  /** Accounts whose images the fleets may boot besides Amazon's (--image-owner; deploy/imageProof.ts). */
  readonly imageOwners?: readonly string[];
}

export interface Say {
  /** A step starting: `==> Uploading templates`. */
  step(text: string): void;
  line(text: string): void;
}

export interface DeployOptions {
  /** Asks on the terminal; absent when there is none. */
  readonly prompt?: (question: string) => Promise<string>;
  /** Aborted on SIGINT or SIGTERM (reason: an Interrupted). */
  readonly signal?: AbortSignal;
}

export type DeployOutcome =
  /** The stack already matched the output; protection and the record reconciled. */
  | 'no-changes'
  /** --no-execute: the change set was made, reviewed and kept. */
  | 'reviewed'
  | 'deployed'
  /** AWS said no, the rollout failed, or a wait timed out. */
  | 'failed'
  /** The stack is in a state no deploy can start from (or busy, with --no-wait). */
  | 'blocked'
  /** The guard, the domain gate, the lifecycle, restore or name-handover check, or a stale --change-set. */
  | 'refused'
  /** No approval: a "no" at the prompt, or no terminal and no --yes. */
  | 'not-approved'
  /** SIGINT or SIGTERM. */
  | 'interrupted';

/** Exit code of each outcome (docs/deploy.md; `tenantc deploy --help`). */
export const EXIT_OF: Readonly<Record<DeployOutcome, number>> = {
  'no-changes': 0,
  reviewed: 0,
  deployed: 0,
  failed: 1,
  blocked: 1,
  refused: 3,
  'not-approved': 4,
  interrupted: 130,
};

export interface DeployReport {
  readonly stack: string;
  readonly outcome: DeployOutcome;
  readonly message: string;
  /** The step that was running when an error ended the deploy, and the error in one line. */
  readonly error: { readonly step: string; readonly message: string } | null;
  readonly changeSet: { readonly name: string; readonly id: string; readonly type: 'CREATE' | 'UPDATE' } | null;
  readonly uploads: UploadSummary | null;
  readonly stacks: readonly StackChanges[];
  readonly guard: GuardResult | null;
  /** Tenants the output drops while their deployed status is not offboarded. */
  readonly lifecycle: readonly LifecycleFinding[];
  /** Removed tenants' ids the output brings back, each allowed or refused (deploy/restore.ts). */
  readonly restores: readonly RestoreFinding[];
  readonly status: string | null;
  readonly rootCause: Failure | null;
  /** What was still running when deploy stopped following it, and how to go on. */
  readonly running: readonly Running[];
  readonly resume: string | null;
  /** Where each domain stage stands (tenants with their own DNS). */
  readonly domainStages: readonly StageResult[];
  /** Tenants whose certificate the change set would create before their domain stage is issued. */
  readonly domainGate: readonly DomainGateFinding[];
  /** Host names the output gives a tenant while another tenant's deployed stack holds them. */
  readonly nameHandovers: readonly NameHandover[];
  /** Tenants whose domain stage this deploy deleted: removed, or no longer with their own DNS. */
  readonly domainStagesRemoved: readonly string[];
  /** What the closing reconcile set, when it ran. */
  readonly reconciled: Reconciled | null;
  /** Every image the output's fleets boot, with its owner (deploy/imageProof.ts). */
  readonly images: readonly ProvenImage[];
}

export interface Reconciled {
  readonly terminationProtection: boolean;
  /** Stacks given the strict policy: the root, nested stacks new since the record, stacks an interrupted deploy left relaxed. */
  readonly policies: number;
  readonly recorded: boolean;
}

/** Uploads listed one by one up to this many. */
const UPLOADS_NAMED = 10;

function changeSetName(now: number): string {
  const t = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return `tenantc-${t.replace('T', '-')}`;
}

/** The SHA-256 of the output's assets.json: what names an output (a change set's description, a journalled restore). */
const assetsSha256 = (compiled: CompiledForDeploy) => createHash('sha256').update(compiled.manifestText).digest('hex');

/** A change set's description ties it to the output it was made from (--change-set checks it). */
export const changeSetDescription = (compiled: CompiledForDeploy) => `tenantc out/assets.json sha256:${assetsSha256(compiled)}`;

function totalChanges(tree: ChangeSetNode): number {
  return tree.changes.length + tree.children.reduce((n, c) => n + totalChanges(c), 0);
}

function nestedIds(tree: ChangeSetNode, into = new Map<string, string>()): Map<string, string> {
  if (tree.path !== '') into.set(tree.path, tree.stackId);
  for (const c of tree.children) nestedIds(c, into);
  return into;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The command that runs this deploy again, as the operator would type it. */
function rerun(req: DeployRequest, more = ''): string {
  return `tenantc deploy --out ${req.outDir} --stack ${req.stack} --assets-bucket ${req.bucket}${more}`;
}

class Refusal extends Error {}

export async function runDeploy(aws: Aws, req: DeployRequest, say: Say, options: DeployOptions = {}): Promise<DeployReport> {
  const started = aws.clock.now();
  const pacer = new Pacer(aws.clock, req.timeoutMs, options.signal);
  let report: DeployReport = {
    stack: req.stack,
    outcome: 'failed',
    message: '',
    error: null,
    changeSet: null,
    uploads: null,
    stacks: [],
    guard: null,
    lifecycle: [],
    restores: [],
    status: null,
    rootCause: null,
    running: [],
    resume: null,
    domainStages: [],
    domainGate: [],
    domainStagesRemoved: [],
    nameHandovers: [],
    reconciled: null,
    images: [],
  };
  let current = '';
  const step = (text: string) => {
    current = text;
    say.step(text);
  };
  const end = (outcome: DeployOutcome, message: string, more: Partial<DeployReport> = {}): DeployReport => {
    report = { ...report, ...more, outcome, message };
    say.line(message);
    return report;
  };
  // What this run made and would leave behind if it stops before executing.
  let made: { id: string; stackId: string; name: string; createdStack: boolean } | null = null;
  const discard = async () => {
    if (!made) return;
    await deleteChangeSet(aws, made.id);
    if (made.createdStack) await aws.cfn.send(new DeleteStackCommand({ StackName: made.stackId, ...(req.roleArn ? { RoleARN: req.roleArn } : {}) }));
    made = null;
  };

  try {
    return await steps();
  } catch (e) {
    if (e instanceof Interrupted) {
      const kept = made as { name: string } | null;
      return end(
        'interrupted',
        `interrupted (${e.signalName}) during "${current}": nothing was executed.${kept ? ` Change set ${kept.name} stays: \`${rerun(req, ` --change-set ${kept.name}`)}\` executes it after checking it is still current;` : ''} a plain \`${rerun(req)}\` starts again.`,
        { resume: kept ? rerun(req, ` --change-set ${kept.name}`) : rerun(req) },
      );
    }
    if (e instanceof TimedOut) return end('failed', `deploy failed: ${e.message}; nothing was executed`, { error: { step: current, message: e.message } });
    if (e instanceof Refusal) return report;
    if (e instanceof TemplateMismatchError) {
      await discard();
      return end('refused', `refused: ${e.message}; nothing was executed`, { error: { step: current, message: e.message } });
    }
    const line = explain(e);
    if (line === null) throw e;
    return end('failed', `deploy failed: ${current ? `${current}: ` : ''}${line}`, { error: { step: current, message: line } });
  }

  async function steps(): Promise<DeployReport> {
    // A Region must be known before anything else is said.
    await aws.region();
    step(`Reading ${req.outDir}`);
    const compiled = readCompiledOutput(req.outDir, req.cwd);
    say.line(`  ${compiled.bodies.size} templates, ${compiled.tenantOf.size} tenant stacks`);

    step(`Checking stack ${req.stack}`);
    let state: StackState = await describeStack(aws, req.stack);
    if (state.kind === 'busy') {
      if (!req.wait) return end('blocked', `${blockedBy(req.stack, state)} (--no-wait: not waiting)`);
      state = await waitWhileBusy(state);
    }
    if (state.kind === 'rolled-back-create' && req.replaceFailed) {
      say.line(`  ${req.stack} is ROLLBACK_COMPLETE: deleting it to create it again (--replace-failed)`);
      await deleteAndWait(state.stackId);
      state = { kind: 'absent' };
    }
    const blocked = blockedBy(req.stack, state);
    if (blocked) return end('blocked', blocked);
    const type = state.kind === 'ready' ? 'UPDATE' : 'CREATE';
    say.line(
      `  ${state.kind === 'ready' ? `${state.status}: the change set updates it` : state.kind === 'review' ? 'REVIEW_IN_PROGRESS (a change set was never executed): the change set creates it' : 'does not exist: the change set creates it'}`,
    );

    const record = await readDeployedRecord(aws, req.bucket, req.stack);
    const last = record?.manifest ?? null;
    // What the record remembers beyond the last rollout's manifest, kept by every write until a rollout is recorded.
    const memory = { removed: record?.removed ?? {}, restoring: record?.restoring ?? [] };
    if (record?.relaxed.length && state.kind === 'ready') {
      // An earlier deploy relaxed these and never restored them (it was killed).
      for (const id of record.relaxed) await setStackPolicy(aws, id, stackPolicy());
      await writeDeployedRecord(aws, req.bucket, req.stack, { manifest: last, relaxed: [], ...memory });
      say.line(`  restored the strict stack policy on ${plural(record.relaxed.length, 'stack')} an interrupted deploy had relaxed`);
    }

    const lifecycle = removedBeforeOffboarded(last, compiled.manifest, req.allows);
    report = { ...report, lifecycle };
    for (const l of lifecycleLines(lifecycle)) say.line(l);
    const early = lifecycle.filter((f) => f.allowedBy.length === 0).map((f) => f.tenant);
    if (early.length)
      return end(
        'refused',
        `refused: ${early.join(', ')} ${early.length === 1 ? 'leaves' : 'leave'} the estate without being offboarded first: deploy \`status: offboarded\` (its users are shown the way out, its rules removed, its fleet stopped), then remove the file in a later deploy; or, reviewed, allow it: tenantc-allow: lifecycle tenant:<id>: <why>. Nothing was uploaded or executed`,
      );

    // A removed tenant's id back: what it left passes to whoever wrote the manifest.
    const assetsHash = assetsSha256(compiled);
    const restores = restoresIn(record, compiled.manifest, assetsHash, req.allows);
    report = { ...report, restores };
    for (const l of restoreFindingLines(restores)) say.line(l);
    const unreviewed = restores.filter((f) => !restoreAllowed(f)).map((f) => f.tenant);
    if (unreviewed.length) {
      const one = unreviewed.length === 1;
      return end(
        'refused',
        `refused: ${unreviewed.join(', ')} ${one ? 'comes' : 'come'} back after a removal, and what ${one ? 'it' : 'they'} left under ${one ? 'its id' : 'their ids'} (S3 prefix, secret path, rows) would pass to whoever wrote ${one ? 'its manifest' : 'their manifests'}; once reviewed, allow it: --allow-restore tenant:<id>, or the pull request's tenantc-allow: restore tenant:<id>: <why>. Nothing was uploaded or executed`,
      );
    }

    const handovers = await findNameHandovers(aws, req.bucket, last, compiled);
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

    // Every image the fleets would boot must be Amazon's or an owner the operator named:
    // the review cannot tell who published an id (deploy/imageProof.ts).
    step('Proving the images of the output');
    const uses = imagesOf(compiled);
    const images = await proveImages(aws, uses.images, req.imageOwners ?? []);
    report = { ...report, images };
    for (const l of imageLines(images)) say.line(l);
    const foreign = imageRefusal(images, uses.unprovable);
    if (foreign) return end('refused', foreign);

    // Tenants and templates by stack: this output's, and those of the last rollout, so
    // that a stack being removed (its tenant gone from the output) is still named.
    const tenantOf = new Map([...(last?.nested ?? []).flatMap((t) => (t.tenant ? [[t.stack, t.tenant] as const] : [])), ...compiled.tenantOf]);
    const templateOf = new Map([...(last?.nested ?? []), ...compiled.manifest.nested].map((t) => [t.stack, t.file.slice(0, -TEMPLATE_SUFFIX.length)] as const));
    templateOf.set('', compiled.manifest.root.file.slice(0, -TEMPLATE_SUFFIX.length));

    if (req.changeSet === null) {
      step(`Uploading templates to s3://${req.bucket}`);
      // Each upload is named while they are few (a change); a first deploy's hundreds are counted.
      const uploads = await uploadAssets(aws, req.bucket, last, compiled, (key, n) => n <= UPLOADS_NAMED && say.line(`  uploaded ${key}`));
      report = { ...report, uploads };
      say.line(
        `  ${uploads.uploaded.length} uploaded, ${uploads.present} already there (known from ${uploads.knownFrom === 'deployed-record' ? "the last deploy's record" : 'a listing of the bucket'})`,
      );
    }

    // Domain stages: where each stands, read now; started only once the deploy is approved.
    // Only those still waiting or changed since the last rollout: an issued stage whose
    // names did not change has nothing to say, and thousands would cost calls each deploy.
    const lastKeys = new Map((last?.domains ?? []).map((d) => [d.tenant, d.key]));
    const activeStages = compiled.manifest.domains.filter((d) => !d.attached || lastKeys.get(d.tenant) !== d.key);
    const stagePlans: StagePlan[] = activeStages.length ? await planStages(aws, { rootStack: req.stack, stages: activeStages, lastKeys }) : [];

    const description = changeSetDescription(compiled);
    const parameters = { [ASSETS_BUCKET_PARAMETER]: req.bucket };
    let cs: { id: string; stackId: string; name: string };
    if (req.changeSet === null) {
      const name = changeSetName(aws.clock.now());
      step(`Creating change set ${name} (${type}, with nested stacks)`);
      const region = await aws.region();
      const created = await createChangeSet(aws, {
        stack: req.stack,
        name,
        type,
        templateUrl: templateUrl(req.bucket, region, compiled.manifest.root.key),
        parameters,
        description,
        roleArn: req.roleArn,
      });
      cs = { ...created, name };
      made = { ...cs, createdStack: state.kind === 'absent' };
      report = { ...report, changeSet: { name, id: cs.id, type } };
      // The note binds this change set to this output and the stack as it is now: what
      // --change-set requires before executing it (deploy/note.ts). Written before the
      // wait, so that a run interrupted there can be resumed with --change-set.
      writeNote(req.cwd, req.notePath, {
        format: NOTE_FORMAT,
        stack: req.stack,
        changeSet: { name, id: cs.id },
        outputSha256: assetsHash,
        bucket: req.bucket,
        stackAtCreation: markOf(await describeStack(aws, req.stack)),
      });
      const status = await waitForChangeSet(aws, cs.id, req.pollMs, pacer);
      if (status.kind === 'no-changes') {
        await deleteChangeSet(aws, cs.id);
        made = null;
        const rec = await reconcile(state, cs.stackId, record, compiled, new Map());
        return end(
          'no-changes',
          `No changes: stack ${req.stack} already matches ${req.outDir}. The empty change set was deleted.${rec.recorded || rec.policies > 1 || rec.terminationProtection ? ' Protection and the record reconciled.' : ''}`,
          { reconciled: rec },
        );
      }
      if (status.kind === 'failed') {
        await discard();
        return end('failed', `change set ${name} ${status.status}: ${status.reason}`);
      }
    } else {
      step(`Checking change set ${req.changeSet}`);
      const note = readNote(req.cwd, req.notePath);
      if (typeof note === 'string') return end('refused', `refused: ${note}; nothing was executed`);
      const wrong = noteMismatch(note, req.notePath, { name: req.changeSet, stack: req.stack, outputSha256: assetsHash, bucket: req.bucket });
      if (wrong) return end('refused', `refused: ${wrong}; nothing was executed`);
      const moved = stackMoved(note, markOf(state));
      if (moved) return end('refused', `refused: ${moved}; nothing was executed (make a new change set: deploy --no-execute)`);
      const adopted = await adoptChangeSet(aws, {
        stack: req.stack,
        name: req.changeSet,
        description,
        parameters,
        stackChangedAt: state.kind === 'ready' ? state.changedAt : null,
        expectedId: note.changeSet.id,
      });
      if (!adopted.ok) return end('refused', `refused: ${adopted.reason}; nothing was executed`);
      cs = { id: adopted.id, stackId: adopted.stackId, name: req.changeSet };
      report = { ...report, changeSet: { name: cs.name, id: cs.id, type } };
      say.line(`  made from this output, for the stack as it is now: ${type}`);
    }
    const refuse = async (message: string): Promise<never> => {
      const ours = made !== null;
      await discard();
      end('refused', `${message}; nothing was executed${ours ? '' : ` (change set ${cs.name} stays)`}`);
      throw new Refusal();
    };

    step(`Reviewing change set ${cs.name}`);
    const tree = await describeChangeSetTree(aws, cs.id);
    {
      // What it will run must be this output's bytes, in the change set and in the bucket
      // (deploy/templateProof.ts): for an adopted one, made by an earlier run and reviewed
      // since; for one made now too, since CloudFormation read every nested template of
      // the stacks it changes from the bucket, under keys the record vouched for.
      // A change set made now is proven against the bucket (a key the record vouched for,
      // overwritten since, would have been read into it); an adopted one against its own
      // templates as well (GetTemplate with ChangeSetName: what executing it runs).
      const adopted = made === null;
      const problems = await proveChangeSetTemplates(aws, req.bucket, tree, compiled, {
        changeSetTemplates: adopted,
        uploadedNow: new Set(report.uploads?.uploaded ?? []),
      });
      if (problems.length) throw new TemplateMismatchError(problems);
      say.line(`  its templates are this output's bytes (${adopted ? 'in the change set and in the bucket' : 'in the bucket'})`);
    }
    const stacks = stacksOf(tree, tenantOf);
    const changed = stacks.filter((s) => s.changes.length > 0);
    say.line(`  ${plural(totalChanges(tree), 'resource change')} in ${plural(changed.length, 'stack')}:`);
    for (const l of changeSetLines(stacks)) say.line(l);
    const verdict = guard(stacks, tenantOf, templateOf, req.allows);
    report = { ...report, stacks, guard: verdict };
    for (const l of guardLines(verdict, made === null)) say.line(l);
    if (verdict.refused.length) await refuse(`refused: ${plural(verdict.refused.length, 'stateful resource')} would be replaced or removed`);

    // The domain gate: a tenant whose certificate this change set adds or replaces needs
    // its stage issued first. A stage this deploy starts is given --domain-wait-seconds
    // after approval; one that cannot be issued before the rollout is refused now.
    const planOf = new Map(stagePlans.map((p) => [p.stage.tenant, p]));
    const issued = new Set(stagePlans.filter((p) => p.action === 'issued').map((p) => p.stage.tenant));
    for (const g of domainGate(stacks, compiled.manifest.domains, issued)) {
      if (planOf.has(g.tenant)) continue;
      if (isIssued(await describeStack(aws, domainStageStackName(req.stack, g.tenant)))) issued.add(g.tenant);
    }
    const gate = domainGate(stacks, compiled.manifest.domains, issued);
    const pending = new Set(gate.filter((g) => ['create', 'update', 'watch'].includes(planOf.get(g.tenant)?.action ?? '')).map((g) => g.tenant));
    const impossible = gate.filter((g) => !pending.has(g.tenant));
    report = { ...report, domainGate: gate };
    if (stagePlans.length) {
      say.line(`  domain stages (${plural(stagePlans.length, 'tenant')} with their own DNS, waiting or changed):`);
      for (const l of stagePlanLines(stagePlans)) say.line(`  ${l}`);
    }
    for (const g of gate) {
      say.line(
        pending.has(g.tenant)
          ? `  ${g.tenant}: the change set ${g.change}, so its stage must be issued first: once approved, deploy gives it ${duration(req.domainWaitMs)} before executing`
          : `  ${g.tenant}: the change set ${g.change}, but its domain stage cannot be issued before the rollout: CloudFormation would wait on the tenant's DNS, holding every other change behind it`,
      );
    }
    if (impossible.length) {
      const names = impossible.map((g) => g.tenant);
      const firstZone = impossible.some((g) => planOf.get(g.tenant)?.action === 'defer');
      await refuse(
        `refused: ${names.join(', ')} ${names.length === 1 ? 'says' : 'say'} dns.validated but ${names.length === 1 ? 'its domain stage' : 'their domain stages'} cannot be issued before this rollout${firstZone ? ' (a delegated zone this deploy creates cannot have been delegated yet)' : ''}: set dns.validated: false (or remove it) until deploy reports the stage issued (out/dns/<id>.txt says what the customer does)`,
      );
    }

    // An allow deploy checks that lifted nothing here is stale: refused, so that a line
    // written for another change cannot approve this one (or a later one). Used: it
    // covers something one of the checks refuses, or a replacement or removal of what
    // holds no data that the review asked it for (guard.ts `named`); each finding lists
    // every allow covering it (compiler/allow.ts allowsCovering), so overlapping allows
    // are all used, as the review counts them.
    const unused = staleAllows(req.allows, [...verdict.allowed, ...verdict.named, ...lifecycle, ...restores]);
    if (unused.length)
      await refuse(
        `refused: ${unused.length === 1 ? 'an allow matches' : `${unused.length} allows match`} nothing this deploy would refuse (${unused.map((a) => `"${formatAllow(a)}"`).join(', ')}): remove ${unused.length === 1 ? 'it' : 'them'}, so that no allow approves a change it was not written for`,
      );

    if (!req.execute)
      return end(
        'reviewed',
        `Not executing (--no-execute). Change set ${cs.name} stays for review; to execute exactly it: ${rerun(req, ` --change-set ${cs.name}`)} (executing any change set of a stack makes its others obsolete).`,
      );

    if (!req.yes) {
      if (!options.prompt) {
        await discard();
        return end(
          'not-approved',
          `not executing: there is no terminal to ask for approval; pass --yes to execute without asking (CI).${made === null && req.changeSet ? ` Change set ${cs.name} stays.` : ' The change set was deleted.'}`,
        );
      }
      const answer = await Promise.race([
        options.prompt(`Execute change set ${cs.name} on ${req.stack}? [y/N] `),
        new Promise<never>((_, reject) => {
          if (options.signal?.aborted) reject(options.signal.reason);
          options.signal?.addEventListener('abort', () => reject(options.signal!.reason), { once: true });
        }),
      ]);
      pacer.check();
      if (!/^(y|yes)$/i.test(answer.trim())) {
        const ours = made !== null;
        await discard();
        return end('not-approved', `not executed: ${ours ? 'the change set was deleted' : `change set ${cs.name} stays`}.`);
      }
    }

    // Approved: from here on AWS changes.
    let stageResults: StageResult[] = [];
    const toStart = stagePlans.filter((p) => p.action !== 'defer');
    if (toStart.length) {
      step(
        `Domain stages: ${plural(toStart.length, 'tenant')} with their own DNS, waiting or changed${pending.size ? ` (the change set waits for ${[...pending].join(', ')}: at most ${duration(req.domainWaitMs)})` : ''}`,
      );
      const startedStages = await startStages(aws, toStart, { bucket: req.bucket, roleArn: req.roleArn, token: cs.name }, say.line);
      stageResults = await watchStages(aws, startedStages, { waitMs: req.domainWaitMs, pollMs: req.pollMs, awaited: pending }, pacer);
      for (const l of stageLines(stageResults)) say.line(l);
    }
    const deferredPlans = stagePlans.filter((p) => p.action === 'defer');
    report = {
      ...report,
      domainStages: [
        ...stageResults,
        ...deferredPlans.map((p) => ({
          tenant: p.stage.tenant,
          stack: p.stack,
          status: 'deferred' as const,
          detail: p.detail,
          records: [],
          nameServers: p.nameServers,
        })),
      ].sort((a, b) => (a.tenant < b.tenant ? -1 : 1)),
    };
    const notIssued = [...pending].filter((t) => stageResults.find((r) => r.tenant === t)?.status !== 'issued');
    if (notIssued.length)
      await refuse(
        `refused: the domain stage of ${notIssued.join(', ')} is not issued after ${duration(req.domainWaitMs)}, and the change set would wait on it; the stage goes on (records above): deploy again once it is issued`,
      );

    // Allowed replacements and removals: their stacks' policies let exactly those through.
    // The record journals them first, so a deploy killed before restoring is repaired by the next.
    const relaxed = new Map<string, { replace: string[]; remove: string[] }>();
    for (const f of verdict.allowed) {
      const stackId = f.path === '' ? cs.stackId : f.stackId;
      const e = relaxed.get(stackId) ?? { replace: [], remove: [] };
      e[f.kind].push(f.logicalId);
      relaxed.set(stackId, e);
    }
    const relaxing = type === 'UPDATE' && relaxed.size > 0;
    // Allowed restores are journalled too, so a plain re-run of this output is not refused them.
    const journal = { removed: memory.removed, restoring: restoringJournal(record, restores, assetsHash) };
    if (relaxing || journal.restoring.length > memory.restoring.length)
      await writeDeployedRecord(aws, req.bucket, req.stack, { manifest: last, relaxed: relaxing ? [...relaxed.keys()] : [], ...journal });
    if (relaxing) for (const [stackId, exempt] of relaxed) await setStackPolicy(aws, stackId, stackPolicy(exempt));
    const restore = async () => {
      if (!relaxing) return;
      for (const stackId of relaxed.keys()) await setStackPolicy(aws, stackId, stackPolicy());
      await writeDeployedRecord(aws, req.bucket, req.stack, { manifest: last, relaxed: [], ...journal });
    };

    step(`Executing change set ${cs.name}`);
    made = null; // executing: nothing to discard any more
    // Stacks the rollout creates get the strict policy as soon as they exist, not at the
    // end: a deploy interrupted midway leaves no new stateful stack without one.
    const protectedEarly = new Set<string>();
    const onCreating = async (path: string, stackId: string) => {
      await setStackPolicy(aws, stackId, stackPolicy());
      protectedEarly.add(stackId);
      say.line(`  stack policy set on ${path === '' ? req.stack : stackTitle({ path, tenant: tenantOf.get(path) ?? null })} as it is created`);
    };
    let outcome;
    try {
      outcome = await executeAndWatch(
        aws,
        {
          stack: req.stack,
          stackId: cs.stackId,
          changeSetId: cs.id,
          total: totalChanges(tree),
          nested: nestedIds(tree),
          tenantOf,
          pollMs: req.pollMs,
          onEvent: (e) => say.line(`  ${eventLine(e)}`),
          clientRequestToken: `${cs.name}-execute`,
          onCreating,
        },
        pacer,
      );
    } catch (e) {
      if (!(e instanceof WatchStopped)) {
        await restore();
        throw e;
      }
      // The rollout goes on in CloudFormation; what deploy owes now is the strict policy.
      await restore();
      const running = e.running.map((r) => `  still running: ${stackTitle({ path: r.path, tenant: r.tenant })} (${r.stackId})`);
      for (const l of running) say.line(l);
      if (relaxing) say.line(`  the strict stack policy is back on ${plural(relaxed.size, 'stack')}`);
      const resume = rerun(req);
      const how = `CloudFormation goes on with the rollout. \`${resume}\` waits for it, then sets termination protection, the stack policies and the record (it says No changes if the rollout succeeded, or redoes it if it rolled back)`;
      if (e.cause instanceof Interrupted)
        return end('interrupted', `interrupted (${e.cause.signalName}) while executing ${cs.name}. ${how}.`, { running: e.running, resume });
      const why = e.cause instanceof TimedOut ? e.cause.message : (explain(e.cause) ?? String(e.cause));
      return end('failed', `deploy failed while following ${cs.name}: ${why}. ${how}.`, {
        running: e.running,
        resume,
        error: { step: current, message: why },
      });
    }
    await restore();
    if (!outcome.ok) {
      for (const l of rootCauseLines(outcome.rootCause)) say.line(l);
      const rolledBack = /ROLLBACK_COMPLETE$/.test(outcome.status);
      return end('failed', `deploy failed: stack ${req.stack} is ${outcome.status}${rolledBack ? ' (rolled back: the stack is as it was before)' : ''}`, {
        status: outcome.status,
        rootCause: outcome.rootCause,
      });
    }

    const rec = await reconcile(state, cs.stackId, record, compiled, new Map(outcome.created.map((c) => [c.path, c.stackId])), protectedEarly);
    report = { ...report, reconciled: rec };
    // Delegated tenants new to the estate: their zone exists now, so their stages can start.
    if (deferredPlans.length) {
      step(`Domain stages of ${plural(deferredPlans.length, 'new delegated zone')}`);
      const after = await runDomainStages(
        aws,
        {
          rootStack: req.stack,
          stages: deferredPlans.map((p) => p.stage),
          lastKeys,
          bucket: req.bucket,
          roleArn: req.roleArn,
          token: `${cs.name}-after`,
          waitMs: 0,
          pollMs: req.pollMs,
        },
        pacer,
        say.line,
      );
      for (const l of stageLines(after)) say.line(l);
      report = { ...report, domainStages: report.domainStages.map((r) => after.find((a) => a.tenant === r.tenant) ?? r) };
    }
    const compiledStages = new Set(compiled.manifest.domains.map((d) => d.tenant));
    const stale = (last?.domains ?? []).map((d) => d.tenant).filter((t) => !compiledStages.has(t));
    if (stale.length) {
      step(`Domain stages no longer compiled: ${stale.join(', ')}`);
      report = { ...report, domainStagesRemoved: await removeStaleStages(aws, req.stack, stale, req.roleArn, say.line) };
    }
    return end('deployed', `Deployed ${req.stack}: ${outcome.status} in ${duration(aws.clock.now() - started)}.`, { status: outcome.status });
  }

  /**
   * What every deploy ends with, a no-change one too: termination protection on the
   * root, the strict policy on the root and on every nested stack new since the record
   * (those a rollout created, or an interrupted one created without protecting), and the
   * record of what the stack now holds. A one-tenant change costs a handful of calls.
   */
  async function reconcile(
    state: StackState,
    rootId: string,
    record: DeployedRecord | null,
    compiled: CompiledForDeploy,
    created: ReadonlyMap<string, string>,
    protectedEarly: ReadonlySet<string> = new Set(),
  ): Promise<Reconciled> {
    step('Protecting the stacks');
    let terminationProtection = false;
    if (state.kind !== 'ready' || !state.terminationProtection) {
      await aws.cfn.send(new UpdateTerminationProtectionCommand({ StackName: rootId, EnableTerminationProtection: true }));
      say.line(`  termination protection on ${req.stack}`);
      terminationProtection = true;
    }
    if (!protectedEarly.has(rootId)) await setStackPolicy(aws, rootId, stackPolicy());
    const known = new Set((record?.manifest?.nested ?? []).map((n) => n.stack));
    const fresh = compiled.manifest.nested.filter((n) => !known.has(n.stack)).map((n) => n.stack);
    let policies = 1;
    for (const path of fresh) {
      const id = created.get(path) ?? (await nestedStackId(aws, req.stack, path));
      if (!id) continue;
      if (!protectedEarly.has(id)) await setStackPolicy(aws, id, stackPolicy());
      policies++;
    }
    say.line(
      `  stack policy (no replacing or deleting stateful resources) on ${req.stack}${policies > 1 ? ` and ${plural(policies - 1, 'new nested stack')}` : ''}`,
    );
    // The tenants this rollout removed join the record's memory; the restores it made are recorded, so their journal ends.
    const removed = removedAfter(record, compiled.manifest, new Date(aws.clock.now()).toISOString().slice(0, 10));
    const recorded =
      record?.manifest === undefined ||
      record.manifest === null ||
      JSON.stringify(record.manifest) !== JSON.stringify(compiled.manifest) ||
      JSON.stringify(record.removed) !== JSON.stringify(removed) ||
      record.restoring.length > 0;
    if (recorded) await writeDeployedRecord(aws, req.bucket, req.stack, { manifest: compiled.manifest, relaxed: [], removed, restoring: [] });
    return { terminationProtection, policies, recorded };
  }

  async function waitWhileBusy(first: Extract<StackState, { kind: 'busy' }>): Promise<StackState> {
    say.line(`  ${first.status} since ${first.since?.toISOString() ?? 'an unknown time'}: waiting for it to finish (--no-wait stops here instead)`);
    let s: StackState = first;
    let status = first.status;
    while (s.kind === 'busy') {
      await pacer.pause(req.pollMs, `stack ${req.stack} busy with ${status}`);
      s = await describeStack(aws, first.stackId);
      const now = s.kind === 'busy' || s.kind === 'ready' || s.kind === 'failed' ? s.status : s.kind;
      if (now !== status) say.line(`  ${now}`);
      status = now;
    }
    return s.kind === 'absent' ? s : describeStack(aws, req.stack);
  }

  async function deleteAndWait(stackId: string): Promise<void> {
    await aws.cfn.send(new DeleteStackCommand({ StackName: stackId, ...(req.roleArn ? { RoleARN: req.roleArn } : {}) }));
    for (;;) {
      const s = await describeStack(aws, stackId);
      if (s.kind === 'absent' || (s.kind === 'failed' && s.status === 'DELETE_COMPLETE')) return;
      if (s.kind === 'failed') throw new Error(`deleting ${stackId} failed: ${s.status} ${s.reason}`);
      await pacer.pause(req.pollMs, `stack ${stackId} being deleted`);
    }
  }
}
