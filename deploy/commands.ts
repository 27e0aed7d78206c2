// deploy's commands: bootstrap and deploy. They read only a compiled output directory
// and talk to AWS; the AWS SDK is loaded when one of them runs, not when compile does.
import { type Command, EXIT_INVALID, EXIT_OK, type Io, type OptionValues } from '../cli/command.ts';
import { CompiledOutputError, CompiledOutputMissingError } from './compiledOutput.ts';

const AWS_OPTIONS = { profile: { type: 'string' }, region: { type: 'string' }, 'poll-seconds': { type: 'string', default: '5' } } as const;
const AWS_HELP = `  --profile NAME    AWS profile (default: the SDK's chain: AWS_PROFILE, env, SSO, instance role)
  --region REGION   AWS Region (default: AWS_REGION / the profile's region)
  --poll-seconds N  how often to poll CloudFormation while waiting (default 5)
AWS_ENDPOINT_URL points the SDK at another endpoint (a local emulator).`;

class DeployUsageError extends Error {}

function required(values: OptionValues, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new DeployUsageError(`--${name} is required`);
  return v;
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

/**
 * An error from AWS (or the output) ends the command with what was being done and
 * AWS's own words, not a stack trace: `tenantc deploy: Creating change set ...: ...`.
 */
function failure(command: string, step: string, e: unknown, io: Io): number {
  if (!(e instanceof Error)) throw e;
  const fromAws = '$metadata' in e;
  if (!fromAws && !(e instanceof CompiledOutputError)) throw e;
  const status = fromAws ? (e as { $metadata: { httpStatusCode?: number } }).$metadata.httpStatusCode : undefined;
  io.stderr.write(`tenantc ${command}: ${step ? `${step}: ` : ''}${fromAws ? `AWS ${e.name}${status ? ` (HTTP ${status})` : ''}: ` : ''}${e.message}\n`);
  return EXIT_INVALID;
}

async function clients(values: OptionValues, io: Io) {
  const { awsClients } = await import('./aws.ts');
  const { realClock } = await import('./clock.ts');
  return awsClients(
    { ...(typeof values.region === 'string' ? { region: values.region } : {}), ...(typeof values.profile === 'string' ? { profile: values.profile } : {}) },
    realClock,
    (attempt, waitMs) => io.stderr.write(`  AWS is throttling requests: retry ${attempt} in ${(waitMs / 1000).toFixed(1)} s\n`),
  );
}

export const DEPLOY_COMMANDS: Record<string, Command> = {
  bootstrap: {
    summary: 'create, once, the stack holding the assets bucket that deploy uploads templates to',
    usage: 'tenantc bootstrap --assets-bucket BUCKET [--stack NAME] [--profile NAME] [--region REGION]',
    options: { 'assets-bucket': { type: 'string' }, stack: { type: 'string', default: 'tenantc-assets' }, ...AWS_OPTIONS },
    help: `  --assets-bucket BUCKET  name of the bucket to create
  --stack NAME            stack holding it (default: tenantc-assets)
${AWS_HELP}

The bucket is versioned, encrypted (SSE-S3), TLS-only, with public access blocked
and old versions expired after 30 days; template objects cannot be deleted.
Exits 0 when the stack already holds that bucket.`,
    usageErrors: [DeployUsageError],
    async run(values, io) {
      const bucket = required(values, 'assets-bucket');
      const stack = String(values.stack);
      const poll = pollMs(values);
      const aws = await clients(values, io);
      const { bootstrap } = await import('./bootstrap.ts');
      io.stdout.write(`==> Bootstrapping ${stack} with bucket ${bucket}\n`);
      let r;
      try {
        r = await bootstrap(aws, stack, bucket, poll, (l) => io.stdout.write(`${l}\n`));
      } catch (e) {
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
    summary: 'roll a compiled output out through a CloudFormation change set, guarded and watched',
    usage:
      'tenantc deploy --stack NAME --assets-bucket BUCKET [--out DIR] [--yes] [--no-execute] [--json] [--allow-replace ID]... [--allow-remove ID]... [--replace-failed] [--profile NAME] [--region REGION]',
    options: {
      out: { type: 'string', default: 'out' },
      stack: { type: 'string' },
      'assets-bucket': { type: 'string' },
      yes: { type: 'boolean', default: false },
      'no-execute': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'allow-replace': { type: 'string', multiple: true },
      'allow-remove': { type: 'string', multiple: true },
      'replace-failed': { type: 'boolean', default: false },
      'domain-wait-seconds': { type: 'string', default: '60' },
      ...AWS_OPTIONS,
    },
    help: `  --stack NAME            the root stack
  --assets-bucket BUCKET  the bucket tenantc bootstrap made
  --out DIR               compiled output (default: out); deploy reads nothing else
  --yes                   execute without asking (CI); without it deploy asks on a
                          terminal, and never executes when there is none
  --no-execute            stop after creating and printing the change set (exit 0)
  --json                  print the report as JSON on stdout (progress on stderr)
  --allow-replace ID      let the change set replace this stateful resource: a
                          logical id, or tenant:ID for a tenant's; repeatable
  --allow-remove ID       the same for removing one (or a tenant's whole stack)
  --replace-failed        delete a stack whose first create rolled back, and create it
  --domain-wait-seconds N how long the domain stages of tenants with their own DNS
                          are given together before deploy moves on (default 60)
${AWS_HELP}

Uploads the templates of DIR/assets.json under their content-hash keys (only
those not yet in the bucket), creates a change set on the root with its nested
stacks, prints it stack by stack, refuses it if it replaces or removes a
resource holding data that is not named by --allow-replace / --allow-remove,
executes it and follows every nested stack's events to the end; on failure it
prints the root cause. The root gets termination protection and every stack a
policy that denies replacing or deleting stateful resources.`,
    usageErrors: [DeployUsageError, CompiledOutputMissingError],
    async run(values, io) {
      const json = values.json === true;
      const request = {
        outDir: String(values.out),
        cwd: io.cwd,
        stack: required(values, 'stack'),
        bucket: required(values, 'assets-bucket'),
        yes: values.yes === true,
        execute: values['no-execute'] !== true,
        allowReplace: list(values['allow-replace']),
        allowRemove: list(values['allow-remove']),
        replaceFailed: values['replace-failed'] === true,
        pollMs: pollMs(values),
        domainWaitMs: domainWaitMs(values),
      };
      const human = json ? io.stderr : io.stdout;
      const aws = await clients(values, io);
      const { runDeploy, EXIT_OF } = await import('./deploy.ts');
      let step = '';
      try {
        const report = await runDeploy(aws, request, { step: (t) => ((step = t), human.write(`==> ${t}\n`)), line: (t) => human.write(`${t}\n`) }, io.prompt);
        if (json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return EXIT_OF[report.outcome];
      } catch (e) {
        return failure('deploy', step, e, io);
      }
    },
  },
};
