// The compiler's commands: validate, compile, check, diff. Each turns options into a
// call of the pipeline and an exit code; cli/main.ts dispatches to them.
import { resolve } from 'node:path';
import { type Command, EXIT_INVALID, EXIT_OK, EXIT_USAGE, type Io } from '../cli/command.ts';
import { runCfnLint } from './check/cfnLint.ts';
import { checkAssetsManifest, parseReviewRecord, parseTemplates, reviewOutput, templatesToLint } from './check/checkOutput.ts';
import { OutputNotFoundError, readCompiledOutput } from './check/readOutput.ts';
import { GitError } from './diff/gitSource.ts';
import { formatDiagnostic, type Diagnostic } from './diagnostics.ts';
import { ManifestDirectoryError } from './load/readManifests.ts';
import { checkEstate, compile, loadSources } from './pipeline.ts';
import { SECURITY_RULES } from './review/index.ts';
import { OutputDirectoryError } from './write/writeOutput.ts';

const TENANTS_OPTION = { tenants: { type: 'string', default: 'tenants' } } as const;
const LOCKED_OPTION = { locked: { type: 'boolean', default: false } } as const;
const LOCKED_HELP = `  --locked        fail, printing the lines that would change, when placement would
                  change placement.lock.yaml (as npm ci treats its lock); for CI`;

export const COMPILER_COMMANDS: Record<string, Command> = {
  validate: {
    summary: 'check every manifest and report all problems at once',
    usage: 'tenantc validate [--tenants DIR] [--locked]',
    options: { ...TENANTS_OPTION, ...LOCKED_OPTION },
    help: `  --tenants DIR   directory of manifests (default: tenants)
${LOCKED_HELP}

Reads the platform manifest and every tenant manifest, validates them against the
schemas in schema/ and the semantic rules, and prints each problem as
path:line:col: message on stderr. Writes nothing.`,
    usageErrors: [ManifestDirectoryError],
    run(values, io) {
      const dir = String(values.tenants);
      const checked = checkEstate(dir, loadSources(dir, io.cwd), { locked: values.locked === true });
      if (!checked.ok) return reportDiagnostics(checked.diagnostics, io);
      io.stdout.write(`${dir}: platform ${checked.plan.platform.name} and ${checked.plan.tenants.length} tenants are valid\n`);
      return EXIT_OK;
    },
  },
  compile: {
    summary: 'validate, then write CloudFormation templates and SQL, gated by the rule pack',
    usage: 'tenantc compile [--tenants DIR] [--out DIR] [--locked]',
    options: { ...TENANTS_OPTION, out: { type: 'string', default: 'out' }, ...LOCKED_OPTION },
    help: `  --tenants DIR   directory of manifests (default: tenants)
  --out DIR       output directory, replaced as a whole (default: out)
${LOCKED_HELP}

Also updates placement.lock.yaml in the --tenants directory when placement
changes; commit it with the manifests.

Writes *.template.json (CloudFormation) and sql/ into DIR. Every template is
reviewed by the security rule pack first; a finding that no suppression in the
platform manifest accepts fails the compile. When anything is wrong, prints
every problem, writes nothing and leaves DIR exactly as it was.`,
    usageErrors: [ManifestDirectoryError, OutputDirectoryError],
    async run(values, io) {
      const dir = String(values.tenants);
      const out = String(values.out);
      const result = await compile(dir, out, { locked: values.locked === true, cwd: io.cwd });
      if (!result.ok) return reportDiagnostics(result.diagnostics, io);
      const templates = result.files.filter((f) => f.path.endsWith('.template.json')).length;
      const sql = result.files.filter((f) => f.path.startsWith('sql/')).length;
      io.stdout.write(
        `compiled ${result.plan.tenants.length} tenants of ${result.plan.platform.name} into ${out}/: ${templates} template${templates === 1 ? '' : 's'}, ${sql} SQL file${sql === 1 ? '' : 's'} (${result.written.written} written, ${result.written.kept} unchanged)\n`,
      );
      const suppressed = result.review.suppressed.length;
      if (suppressed)
        io.stdout.write(`security rule pack: ${suppressed} finding${suppressed === 1 ? '' : 's'} accepted by review.suppressions (see ${out}/review.json)\n`);
      // Tenants whose own DNS is not ready: nothing of them is served until it is.
      for (const t of result.plan.tenants.filter((x) => !x.dns.ready)) {
        io.stdout.write(`${t.id}: its ${t.dns.mode} DNS is not ready, so its names are not served yet: what the tenant does is in ${out}/dns/${t.id}.txt\n`);
      }
      if (result.lockChanged) io.stdout.write(`updated ${dir}/placement.lock.yaml: commit it with the manifests\n`);
      return EXIT_OK;
    },
  },
  check: {
    summary: 'run the security rule pack (and cfn-lint when installed) on a compiled output',
    usage: 'tenantc check [--out DIR] [--lint-all] [--lint-cache DIR]',
    options: { out: { type: 'string', default: 'out' }, 'lint-all': { type: 'boolean', default: false }, 'lint-cache': { type: 'string' } },
    help: `  --out DIR         output directory written by tenantc compile (default: out)
  --lint-all        give cfn-lint every tenant template, not one of each shape
  --lint-cache DIR  remember templates cfn-lint found clean (by content and
                    cfn-lint version) and do not lint them again; keep DIR
                    between CI runs so a pull request lints only what it changed

Reviews every template of DIR with the security rule pack, applying the
suppressions compile recorded in DIR/review.json, then runs cfn-lint when it is
installed on the root, every shard and group, and one tenant stack of each
shape. Exits 1 on any violation or lint finding. Writes nothing.`,
    usageErrors: [OutputNotFoundError],
    async run(values, io) {
      const output = readCompiledOutput(String(values.out), io.cwd);
      // A damaged output is findings, each naming its file: never a stack trace.
      const record = parseReviewRecord(output.review);
      const templates = parseTemplates(output.templates);
      const corrupt = [
        ...output.unreadable,
        ...(record.problem ? [record.problem] : []),
        ...templates.problems,
        ...checkAssetsManifest(output.assets, output.unreadable, output.templates),
      ];
      for (const p of corrupt) io.stderr.write(`${output.dir}/${p.file}: ${p.message}: run tenantc compile again\n`);
      if (corrupt.length)
        io.stdout.write(`output: ${corrupt.length} damaged file${corrupt.length === 1 ? '' : 's'}${record.problem ? ', so no suppression applies' : ''}\n`);
      const review = reviewOutput(templates.parsed, record.suppressions, SECURITY_RULES);
      for (const f of review.violations) {
        const rule = SECURITY_RULES.find((r) => r.id === f.rule)!;
        io.stderr.write(`${output.dir}/${f.template}: ${f.rule} ${rule.title}: ${f.resource}: ${f.message}\n  why: ${rule.reason}\n  fix: ${rule.fix}\n`);
      }
      for (const s of review.unused) io.stderr.write(`${output.dir}/review.json: suppression ${s.rule} ${s.template} ${s.resource} accepts no finding\n`);
      const failed = corrupt.length + review.violations.length + review.unused.length;
      io.stdout.write(
        `security rule pack: ${templates.parsed.size} templates, ${SECURITY_RULES.length} rules: ${review.violations.length} violation${review.violations.length === 1 ? '' : 's'}, ${review.suppressed.length} accepted by suppressions\n`,
      );
      const toLint = templatesToLint(templates.parsed, values['lint-all'] === true);
      const cacheDir = typeof values['lint-cache'] === 'string' ? resolve(io.cwd, values['lint-cache']) : undefined;
      const lint = await runCfnLint(io.cwd, output.dir, [...toLint.keys()], cacheDir ? { cacheDir } : {});
      if (!lint.available) {
        io.stdout.write('cfn-lint: not installed, skipped (pip install cfn-lint)\n');
      } else {
        for (const line of lint.findings) io.stderr.write(`${line}\n`);
        io.stdout.write(
          `cfn-lint ${lint.version.replace(/^cfn-lint\s*/, '')}: ${toLint.size} of ${templates.parsed.size} templates${lint.cached ? ` (${lint.cached} clean in the cache)` : ''}: ${lint.ok ? 'no findings' : `${lint.findings.length} finding${lint.findings.length === 1 ? '' : 's'}`}\n`,
        );
      }
      return failed === 0 && (!lint.available || lint.ok) ? EXIT_OK : EXIT_INVALID;
    },
  },
  diff: {
    summary: 'compile the manifests at a git ref and at the head, and print the change by tenant',
    usage: 'tenantc diff --base REF [--head REF] [--tenants DIR] [--format text|markdown|json] [--fail-on KINDS] [--allow "KIND TARGET: REASON"]...',
    options: {
      ...TENANTS_OPTION,
      base: { type: 'string' },
      head: { type: 'string' },
      format: { type: 'string', default: 'text' },
      'fail-on': { type: 'string' },
      allow: { type: 'string', multiple: true },
    },
    help: `  --base REF      git ref to compare against (e.g. origin/main); read from git
                  objects, never from the work tree
  --head REF      git ref of the new side (default: the work tree)
  --tenants DIR   directory of manifests (default: tenants)
  --format F      text (default), markdown (one pull-request comment) or json
  --fail-on KINDS exit 1 when the change has any of these, comma-separated:
                  replacement  a resource is replaced
                  removal      a resource or stack is removed
                  broadening   IAM statements or security-group rules widen access
                  stateful     a database, cache, bucket, table, user pool, key,
                               log group, secret or hosted zone is replaced or removed
  --allow TEXT    allow findings of --fail-on, with a reason; repeatable:
                  "<kind> <tenant:ID | logical id | template>: <reason>"

Both sides are compiled in memory by this tenantc; nothing is written. Shows tenants
added, removed, changed and moved; per changed stack each resource added, modified
(with property paths) or removed and its impact; the SQL and lock differences.`,
    usageErrors: [ManifestDirectoryError, GitError],
    async run(values, io) {
      if (typeof values.base !== 'string') {
        io.stderr.write('tenantc diff: --base REF is required\nUsage: tenantc diff --base REF [--head REF] ...\n');
        return EXIT_USAGE;
      }
      const format = String(values.format);
      if (format !== 'text' && format !== 'markdown' && format !== 'json') {
        io.stderr.write(`tenantc diff: --format must be text, markdown or json (got "${format}")\n`);
        return EXIT_USAGE;
      }
      const { parseFailOn, parseOverride } = await import('./diff/failOn.ts');
      const failOn = typeof values['fail-on'] === 'string' ? parseFailOn(values['fail-on']) : null;
      if (typeof failOn === 'string') {
        io.stderr.write(`tenantc diff: ${failOn}\n`);
        return EXIT_USAGE;
      }
      const allow = [];
      for (const text of Array.isArray(values.allow) ? values.allow : []) {
        const o = parseOverride(text);
        if (typeof o === 'string') {
          io.stderr.write(`tenantc diff: --allow ${o}\n`);
          return EXIT_USAGE;
        }
        allow.push(o);
      }
      const { formatSideDiagnostics, runDiff } = await import('./diff/command.ts');
      const outcome = await runDiff(
        { cwd: io.cwd, tenants: String(values.tenants), base: values.base, head: typeof values.head === 'string' ? values.head : null, format, failOn, allow },
        io.stdout,
      );
      if (!outcome.ok) {
        io.stderr.write(formatSideDiagnostics(outcome));
        return EXIT_INVALID;
      }
      return outcome.blocked ? EXIT_INVALID : EXIT_OK;
    },
  },
};

function reportDiagnostics(diagnostics: readonly Diagnostic[], io: Io): number {
  for (const d of diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
  const files = new Set(diagnostics.map((d) => d.file)).size;
  io.stderr.write(`${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}; nothing was written\n`);
  return EXIT_INVALID;
}
