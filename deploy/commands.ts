// deploy's commands: bootstrap and deploy. They read only a compiled output directory
// and talk to AWS; the AWS SDK is loaded when one of them runs, not when compile does.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type Command,
  EXIT_INTERRUPTED,
  EXIT_INVALID,
  EXIT_NOT_APPROVED,
  EXIT_OK,
  EXIT_REFUSED,
  EXIT_USAGE,
  type Io,
  type OptionValues,
} from '../cli/command.ts';
import type { Allow } from '../compiler/allow.ts';
import { CompiledOutputMissingError } from './compiledOutput.ts';
import { defaultNotePath } from './note.ts';

const AWS_OPTIONS = {
  profile: { type: 'string' },
  region: { type: 'string' },
  'poll-seconds': { type: 'string', default: '5' },
  timeout: { type: 'string', default: '90m' },
} as const;
const AWS_HELP = `  --profile NAME    AWS profile (default: the SDK's chain: AWS_PROFILE, env, SSO, instance role)
  --region REGION   AWS Region (default: AWS_REGION / the profile's region)
  --poll-seconds N  how often to poll CloudFormation while waiting (default 5)
  --timeout D       the longest all waits for CloudFormation may take together, with
                    its unit: 90m (default), 2h, 600s
AWS_ENDPOINT_URL points the SDK at another endpoint (a local emulator). AWS calls are
retried by the SDK (adaptive mode, 10 attempts) when AWS throttles or fails transiently.`;

/** Waits of one command are bounded by --timeout; a day at most. */
const MAX_TIMEOUT_MS = 24 * 3_600_000;

class DeployUsageError extends Error {}

function required(values: OptionValues, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new DeployUsageError(`--${name} is required`);
  return v;
}

/**
 * --image-owner: AWS account ids (deploy/imageProof.ts). No alias: `aws-marketplace`
 * would admit images anyone can publish, `self` any image a role of the deploy account
 * can register.
 */
function imageOwnersOf(values: OptionValues): string[] {
  const owners = (values['image-owner'] as string[] | undefined) ?? [];
  for (const o of owners)
    if (!/^\d{12}$/.test(o)) throw new DeployUsageError(`--image-owner ${JSON.stringify(o)}: an AWS account id (12 digits), not an alias`);
  return owners;
}

function pollMs(values: OptionValues): number {
  const s = Number(values['poll-seconds']);
  if (!Number.isFinite(s) || s < 0 || s > 300)
    throw new DeployUsageError(`--poll-seconds must be a number of seconds from 0 to 300 (got "${String(values['poll-seconds'])}")`);
  return Math.round(s * 1000);
}

function domainWaitMs(values: OptionValues): number {
  const s = Number(values['domain-wait-seconds']);
  if (!Number.isFinite(s) || s < 0 || s > 3600)
    throw new DeployUsageError(`--domain-wait-seconds must be a number of seconds from 0 to 3600 (got "${String(values['domain-wait-seconds'])}")`);
  return Math.round(s * 1000);
}

const list = (v: OptionValues[string]) => (Array.isArray(v) ? v : []);

/** `90m`, `2h`, `45s`: a duration with its unit (a bare number is refused: minutes or seconds?). */
export function parseDuration(flag: string, text: string, maxMs: number): number {
  const m = /^(\d+)(s|m|h)$/.exec(text.trim());
  const ms = m ? Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'] : Number.NaN;
  if (!Number.isFinite(ms) || ms <= 0 || ms > maxMs)
    throw new DeployUsageError(`--${flag} takes a duration with its unit, such as 90m, 2h or 600s, of at most ${maxMs / 3_600_000} h (got "${text}")`);
  return ms;
}

/** Every allow of the command line, in the language of compiler/allow.ts; a bad one is a usage error. */
async function allowsOf(values: OptionValues, cwd: string): Promise<Allow[]> {
  const { flagAllow, allowLines } = await import('../compiler/allow.ts');
  const allows: Allow[] = [];
  const problems: string[] = [];
  for (const [flag, kind] of [
    ['allow-replace', 'replacement'],
    ['allow-remove', 'removal'],
    ['allow-restore', 'restore'],
  ] as const) {
    for (const text of list(values[flag])) {
      const a = flagAllow(kind, text);
      if (typeof a === 'string') problems.push(`--${flag} ${a}`);
      else allows.push(a);
    }
  }
  for (const file of list(values['allow-file'])) {
    let text: string;
    try {
      text = readFileSync(resolve(cwd, file), 'utf8');
    } catch (e) {
      throw new DeployUsageError(`--allow-file ${file}: ${(e as Error).message}`);
    }
    for (const { line, allow } of allowLines(text)) {
      if (typeof allow === 'string') problems.push(`${file}:${line}: ${allow}`);
      else allows.push(allow);
    }
  }
  if (problems.length) throw new DeployUsageError(problems.join('\n'));
  return allows;
}

/**
 * An error from AWS (or the output) ends the command with what was being done and a
 * line naming the fix, not a stack trace: `tenantc bootstrap: Bootstrapping ...: ...`.
 */
async function failure(command: string, step: string, e: unknown, io: Io): Promise<number> {
  const { explain } = await import('./errors.ts');
  const line = explain(e);
  if (line === null) throw e;
  io.stderr.write(`tenantc ${command}: ${step ? `${step}: ` : ''}${line}\n`);
  return EXIT_INVALID;
}

async function clients(values: OptionValues) {
  const { awsClients } = await import('./aws.ts');
  const { realClock } = await import('./clock.ts');
  return awsClients(
    { ...(typeof values.region === 'string' ? { region: values.region } : {}), ...(typeof values.profile === 'string' ? { profile: values.profile } : {}) },
    realClock,
  );
}

/**
 * SIGINT and SIGTERM while `fn` runs abort its signal instead of killing the process,
 * so deploy can put relaxed policies back and say how to go on; a second one exits at once.
 */
async function interruptible<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { Interrupted } = await import('./clock.ts');
  const controller = new AbortController();
  const on = (name: NodeJS.Signals) => () => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    process.stderr.write(`\n${name}: stopping (again to quit at once)\n`);
    controller.abort(new Interrupted(name));
  };
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((name) => [name, on(name)] as const);
  for (const [name, h] of handlers) process.on(name, h);
  try {
    return await fn(controller.signal);
  } finally {
    for (const [name, h] of handlers) process.off(name, h);
  }
}

export const DEPLOY_COMMANDS: Record<string, Command> = {
  bootstrap: {
    summary: 'create, once, the stack holding the assets bucket that deploy uploads templates to',
    usage: 'tenantc bootstrap --assets-bucket BUCKET [--stack NAME] [--deploy-role-arn ARN] [--profile NAME] [--region REGION] [--timeout D]',
    options: {
      'assets-bucket': { type: 'string' },
      stack: { type: 'string', default: 'tenantc-assets' },
      'deploy-role-arn': { type: 'string' },
      ...AWS_OPTIONS,
    },
    help: `  --assets-bucket BUCKET  name of the bucket to create
  --stack NAME            stack holding it (default: tenantc-assets)
  --deploy-role-arn ARN   only this role may write template objects
${AWS_HELP}

The bucket is versioned, encrypted (SSE-S3), TLS-only, with public access blocked
and old versions expired after 30 days; template objects cannot be deleted or
overwritten (a write must carry If-None-Match: *).
Exits 0 when the stack already holds that bucket, 1 when it cannot be made.`,
    usageErrors: [DeployUsageError],
    async run(values, io) {
      const bucket = required(values, 'assets-bucket');
      const stack = String(values.stack);
      const poll = pollMs(values);
      const timeoutMs = parseDuration('timeout', String(values.timeout), MAX_TIMEOUT_MS);
      const aws = await clients(values);
      const { bootstrap } = await import('./bootstrap.ts');
      const { Pacer } = await import('./clock.ts');
      io.stdout.write(`==> Bootstrapping ${stack} with bucket ${bucket}\n`);
      let r;
      try {
        const role = typeof values['deploy-role-arn'] === 'string' && values['deploy-role-arn'] !== '' ? values['deploy-role-arn'] : null;
        r = await interruptible((signal) =>
          bootstrap(aws, stack, bucket, poll, new Pacer(aws.clock, timeoutMs, signal), (l) => io.stdout.write(`${l}\n`), role),
        );
      } catch (e) {
        if (e instanceof Error && e.name === 'Interrupted') {
          io.stderr.write(`tenantc bootstrap: ${e.message}: CloudFormation goes on creating ${stack}; run bootstrap again to see it finish\n`);
          return EXIT_INTERRUPTED;
        }
        if (e instanceof Error && e.name === 'TimedOut') {
          io.stderr.write(`tenantc bootstrap: ${e.message}\n`);
          return EXIT_INVALID;
        }
        return failure('bootstrap', `Bootstrapping ${stack}`, e, io);
      }
      if (r.kind === 'failed') {
        io.stderr.write(`tenantc bootstrap: ${r.message}\n`);
        return EXIT_INVALID;
      }
      io.stdout.write(
        r.kind === 'created' ? `Created ${stack}: deploy with --assets-bucket ${bucket}\n` : `${stack} already holds bucket ${bucket}: nothing to do\n`,
      );
      return EXIT_OK;
    },
  },
  deploy: {
    summary: 'roll a compiled output out through a CloudFormation change set, guarded, approved and watched',
    usage:
      'tenantc deploy --stack NAME --assets-bucket BUCKET [--out DIR] [--yes] [--no-execute | --change-set NAME] [--note FILE] [--json] [--allow-file FILE]... [--allow-replace TARGET]... [--allow-remove TARGET]... [--allow-restore tenant:ID]... [--image-owner ACCOUNT]... [--role-arn ARN] [--timeout D] [--no-wait] [--replace-failed] [--profile NAME] [--region REGION]',
    options: {
      out: { type: 'string', default: 'out' },
      stack: { type: 'string' },
      'assets-bucket': { type: 'string' },
      yes: { type: 'boolean', default: false },
      'no-execute': { type: 'boolean', default: false },
      'change-set': { type: 'string' },
      note: { type: 'string' },
      json: { type: 'boolean', default: false },
      'allow-replace': { type: 'string', multiple: true },
      'allow-remove': { type: 'string', multiple: true },
      'allow-restore': { type: 'string', multiple: true },
      'allow-file': { type: 'string', multiple: true },
      'image-owner': { type: 'string', multiple: true },
      'role-arn': { type: 'string' },
      'no-wait': { type: 'boolean', default: false },
      'replace-failed': { type: 'boolean', default: false },
      'domain-wait-seconds': { type: 'string', default: '60' },
      ...AWS_OPTIONS,
    },
    help: `  --stack NAME            the root stack
  --assets-bucket BUCKET  the bucket tenantc bootstrap made
  --out DIR               compiled output (default: out); deploy reads nothing else
  --yes                   execute without asking (CI); without it deploy asks on a
                          terminal, and never executes when there is none
  --no-execute            stop after making and printing the change set; it stays,
                          its name is printed and it is noted (--note) (exit 0)
  --change-set NAME       execute that change set (made by --no-execute) after checking
                          its note: made by that deploy (same change set id), from
                          this output (assets.json digest), for this stack, and the
                          stack unchanged since (status, last update); then that every
                          template it runs is this output's bytes
  --note FILE             the change-set note --no-execute writes and --change-set
                          requires (default: .tenantc/change-sets/<stack>.json)
  --json                  print the report as JSON on stdout, errors included
                          (progress on stderr)
  --allow-file FILE       the tenantc-allow: lines of FILE (the allows the review of
                          the merged head commit accepted): "<kind> <target>: <reason>";
                          a line that looks like one but does not parse is an error,
                          and an allow that lifts nothing is refused; repeatable
  --allow-replace TARGET  let the change set replace this stateful resource; TARGET is
                          tenant:<id>, tenant:<id>/<logicalId> or
                          estate:<template>/<logicalId> (never a bare logical id)
  --allow-remove TARGET   the same for removing one (tenant:<id>: its whole stack)
  --allow-restore tenant:ID
                          let a removed tenant's id come back (its S3 prefix, secret
                          path and rows pass to the manifest that names it)
  --image-owner ACCOUNT   an AWS account whose images the fleets may boot besides
                          Amazon's (every image of the output is asked of EC2 before
                          anything is uploaded: one owned by anyone else, or not found,
                          is refused); repeatable; the workflow's flag, never a pull
                          request's
  --role-arn ARN          the service role CloudFormation acts with
  --no-wait               a stack busy with another operation: say so and stop,
                          instead of waiting for it
  --replace-failed        delete a stack whose first create rolled back, and create it
  --domain-wait-seconds N how long the domain stage of a tenant whose certificate the
                          change set adds is given before it executes (default 60)
${AWS_HELP}

Uploads the templates of DIR/assets.json under their content-hash keys (only
those not yet in the bucket), makes a change set on the root with its nested
stacks, prints it stack by stack, refuses it if it replaces or removes a
resource holding data that no allow names, asks, then starts the domain stages,
executes it and follows every nested stack's events to the end; on failure it
prints the root cause. Every deploy ends by setting termination protection on the
root, a policy denying stateful replacement and deletion on every stack, and the
record of what was deployed. Nothing but inert uploads and the change set is made
before approval; a tenant removed before it was offboarded, a host name handed over
and a restore not allowed are refused before anything is uploaded.

Exit codes: 0 deployed, nothing to do, or reviewed (--no-execute); 1 failed (the
root cause is printed) or the stack is stuck; 2 usage error; 3 refused by the
guard (a stateful change not allowed, an image not Amazon's nor an --image-owner's,
the domain gate, a tenant removed before it
was offboarded, a restore not allowed, a host name handed over, a stale change set
or one without its note, an allow that matches nothing, a template in the bucket or
the change set that is not this output's bytes);
4 not approved;
130 interrupted (SIGINT, SIGTERM: relaxed policies are restored, what still runs
is printed with the command that resumes).`,
    usageErrors: [DeployUsageError, CompiledOutputMissingError],
    async run(values, io) {
      const json = values.json === true;
      let request;
      try {
        if (values['no-execute'] === true && typeof values['change-set'] === 'string')
          throw new DeployUsageError('--no-execute and --change-set exclude each other: the first makes a change set to review, the second executes one');
        request = {
          outDir: String(values.out),
          cwd: io.cwd,
          stack: required(values, 'stack'),
          bucket: required(values, 'assets-bucket'),
          yes: values.yes === true,
          execute: values['no-execute'] !== true,
          changeSet: typeof values['change-set'] === 'string' ? values['change-set'] : null,
          allows: await allowsOf(values, io.cwd),
          replaceFailed: values['replace-failed'] === true,
          wait: values['no-wait'] !== true,
          pollMs: pollMs(values),
          domainWaitMs: domainWaitMs(values),
          timeoutMs: parseDuration('timeout', String(values.timeout), MAX_TIMEOUT_MS),
          roleArn: typeof values['role-arn'] === 'string' ? values['role-arn'] : null,
          imageOwners: imageOwnersOf(values),
          notePath: typeof values.note === 'string' && values.note !== '' ? values.note : defaultNotePath(required(values, 'stack')),
        };
      } catch (e) {
        if (json && e instanceof DeployUsageError) {
          io.stdout.write(`${JSON.stringify({ stack: values.stack ?? null, outcome: 'usage-error', message: e.message }, null, 2)}\n`);
          io.stderr.write(`tenantc deploy: ${e.message}\n`);
          return EXIT_USAGE;
        }
        throw e;
      }
      const human = json ? io.stderr : io.stdout;
      const aws = await clients(values);
      const { runDeploy, EXIT_OF } = await import('./deploy.ts');
      try {
        const report = await interruptible((signal) =>
          runDeploy(aws, request, { step: (t) => human.write(`==> ${t}\n`), line: (t) => human.write(`${t}\n`) }, { prompt: io.prompt, signal }),
        );
        if (json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return EXIT_OF[report.outcome];
      } catch (e) {
        if (e instanceof CompiledOutputMissingError && json)
          io.stdout.write(`${JSON.stringify({ stack: request.stack, outcome: 'usage-error', message: e.message }, null, 2)}\n`);
        throw e;
      }
    },
  },
  ami: {
    summary: 'pin the app fleets to the current Amazon Linux 2023 image (app.ami of the platform manifest)',
    usage: 'tenantc ami --latest [--tenants DIR] [--check] [--profile NAME] [--region REGION]',
    options: {
      latest: { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      tenants: { type: 'string', default: 'tenants' },
      ...AWS_OPTIONS,
    },
    help: `  --latest          resolve the current AL2023 image of the platform's Region through
                    the public SSM parameter, and write it to app.ami
  --check           only say whether app.ami is the current image (exit 1 when not)
  --tenants DIR     directory of manifests (default: tenants)
${AWS_HELP}

The image is data in the repository: templates carry app.ami literally, so a new
image is a pull request whose diff shows every launch template it changes and
every fleet that rolls. Nothing is deployed.`,
    usageErrors: [DeployUsageError],
    async run(values, io) {
      if (values.latest !== true) throw new DeployUsageError('say what to resolve: --latest (the current Amazon Linux 2023 image)');
      const { pinLatestAmi, PlatformFileError } = await import('./ami.ts');
      try {
        return await pinLatestAmi(
          {
            tenants: resolve(io.cwd, String(values.tenants)),
            display: String(values.tenants),
            check: values.check === true,
            ...(typeof values.profile === 'string' ? { profile: values.profile } : {}),
            ...(typeof values.region === 'string' ? { region: values.region } : {}),
          },
          io,
        );
      } catch (e) {
        if (e instanceof PlatformFileError) {
          io.stderr.write(`tenantc ami: ${e.message}\n`);
          return EXIT_USAGE;
        }
        return failure('ami', 'Resolving the current image', e, io);
      }
    },
  },
};

export { EXIT_NOT_APPROVED, EXIT_REFUSED };
