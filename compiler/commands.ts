// The compiler's commands: validate, compile, check, diff, status, prices. Each turns options into a
// call of the pipeline and an exit code; cli/main.ts dispatches to them.
import { resolve } from 'node:path';
import { type Command, EXIT_INVALID, EXIT_OK, EXIT_USAGE, type Io } from '../cli/command.ts';
import { ALLOW_KIND_SPECS, REVIEW_KINDS } from './allow.ts';
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
        `compiled ${result.plan.tenants.length} tenants of ${result.plan.platform.name} into ${out}/: ${templates} template${templates === 1 ? '' : 's'}, ${sql} SQL file${sql === 1 ? '' : 's'} (${result.written.written} written, ${result.written.kept} unchanged${result.reused ? `; ${result.reused} tenants' templates reused` : ''})\n`,
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
    usage:
      'tenantc diff --base REF [--head REF] [--tenants DIR] [--format text|markdown|json] [--fail-on KINDS] [--allow "KIND TARGET: REASON"]... [--allow-file FILE]... [--prices FILE]',
    options: {
      ...TENANTS_OPTION,
      base: { type: 'string' },
      head: { type: 'string' },
      format: { type: 'string', default: 'text' },
      'fail-on': { type: 'string' },
      allow: { type: 'string', multiple: true },
      'allow-file': { type: 'string', multiple: true },
      prices: { type: 'string' },
    },
    help: `  --base REF      git ref to compare against (e.g. origin/main); read from git
                  objects, never from the work tree
  --head REF      git ref of the new side (default: the work tree)
  --tenants DIR   directory of manifests (default: tenants)
  --format F      text (default), markdown (one pull-request comment) or json
  --fail-on KINDS exit 1 when the change has any of these, comma-separated:
${REVIEW_KINDS.map((k) => `                  ${k.padEnd(12)} ${ALLOW_KIND_SPECS[k].summary}`).join('\n')}
  --allow TEXT    allow findings of --fail-on, with a reason; repeatable:
                  "<kind> <target>: <reason>", the target one of
                  tenant:<id>, tenant:<id>/<logicalId>, estate:<template>/<logicalId>
                  (a bare logical id is refused: it would match every tenant's);
                  an allow that matches no finding of the change fails the gate
  --allow-file FILE the tenantc-allow: lines of FILE (a pull request's description),
                  the same file deploy --allow-file reads; a line that looks like
                  an allow but does not parse is an error naming its line; repeatable
  --prices FILE   price table of the estimated cost line (default: the shipped one)

Both sides are compiled in memory by this tenantc; nothing is written. Shows tenants
added, removed, changed and moved; per changed stack each resource added, modified
(with property paths) or removed, its impact and its risks; what caused each shared
change; the SQL and lock differences; the estimated monthly cost change of the estate
and of each changed tenant, and the capacity a change takes (a new shard or group, a
quota at 80% or more); each restore (a removed id back: who had it, who takes it, what
passes), read against the base's lock. A skipped lifecycle step (a tenant offboarded and
deleted in one change, a tenant left unserved, a major engine upgrade not allowed, the
lock's memory of removed tenants edited) exits 1 whatever --fail-on says. Every
accepted allow is listed; one that matches no finding of this change fails the gate
(exit 1), so a stale allow cannot approve a later change.`,
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
      const { allowLines } = await import('./allow.ts');
      const { readFileSync } = await import('node:fs');
      const { resolve } = await import('node:path');
      for (const file of Array.isArray(values['allow-file']) ? values['allow-file'] : []) {
        let text: string;
        try {
          text = readFileSync(resolve(io.cwd, file), 'utf8');
        } catch (e) {
          io.stderr.write(`tenantc diff: --allow-file ${file}: ${(e as Error).message}\n`);
          return EXIT_USAGE;
        }
        const bad = allowLines(text).filter((l) => typeof l.allow === 'string');
        if (bad.length) {
          io.stderr.write(bad.map((l) => `tenantc diff: ${file}:${l.line}: ${l.allow as string}\n`).join(''));
          return EXIT_USAGE;
        }
        for (const l of allowLines(text)) allow.push(l.allow as Exclude<typeof l.allow, string>);
      }
      if (allow.length > 0 && failOn === null) {
        // Without the gate no allow is checked against the change, and an unchecked
        // allow is one a later change could use unread.
        io.stderr.write('tenantc diff: --allow takes effect with --fail-on: name the kinds the gate refuses\n');
        return EXIT_USAGE;
      }
      const { formatProblems, pricesFor } = await import('./status/command.ts');
      const prices = pricesFor(typeof values.prices === 'string' ? values.prices : null, io.cwd);
      if (!prices.ok) {
        io.stderr.write(formatProblems(prices.diagnostics));
        return prices.usage ? EXIT_USAGE : EXIT_INVALID;
      }
      const { formatSideDiagnostics, runDiff } = await import('./diff/command.ts');
      const outcome = await runDiff(
        {
          cwd: io.cwd,
          tenants: String(values.tenants),
          base: values.base,
          head: typeof values.head === 'string' ? values.head : null,
          format,
          failOn,
          allow,
          prices: prices.table,
        },
        io.stdout,
      );
      if (!outcome.ok) {
        io.stderr.write(formatSideDiagnostics(outcome));
        return EXIT_INVALID;
      }
      return outcome.blocked ? EXIT_INVALID : EXIT_OK;
    },
  },
  status: {
    summary: 'show tenants, shards, fleets, AWS quota headroom and estimated monthly cost (no AWS access)',
    usage: 'tenantc status [--tenants DIR] [--format text|json|html] [--out FILE] [--prices FILE]',
    options: { ...TENANTS_OPTION, format: { type: 'string', default: 'text' }, out: { type: 'string' }, prices: { type: 'string' } },
    help: `  --tenants DIR   directory of manifests (default: tenants)
  --format F      text (default), json, or html (one self-contained page)
  --out FILE      write there (replaced whole) instead of standard output
  --prices FILE   a price table instead of the shipped prices/us-east-1.json,
                  checked against schema/prices.schema.json

From the manifests and the placement lock: tenants by tier and status; each ALB
shard, cache cluster and group and how full it is; the fleets' sizes; every AWS
quota the estate consumes, its use, and how many more tenants of each tier fit
before it binds; the estimated monthly cost, in total, by tier and by tenant,
with what the estimate assumes and leaves out.`,
    usageErrors: [ManifestDirectoryError],
    async run(values, io) {
      const format = String(values.format);
      if (format !== 'text' && format !== 'json' && format !== 'html') {
        io.stderr.write(`tenantc status: --format must be text, json or html (got "${format}")\n`);
        return EXIT_USAGE;
      }
      const { formatProblems, statusOf, writeOut } = await import('./status/command.ts');
      const out = typeof values.out === 'string' ? resolve(io.cwd, values.out) : null;
      const r = statusOf({ cwd: io.cwd, tenants: String(values.tenants), format, out, prices: typeof values.prices === 'string' ? values.prices : null });
      if (!r.ok) {
        io.stderr.write(formatProblems(r.diagnostics));
        return r.usage ? EXIT_USAGE : EXIT_INVALID;
      }
      if (out === null) io.stdout.write(r.output);
      else {
        writeOut(out, r.output);
        io.stdout.write(
          `wrote ${String(values.out)}: ${format} status of ${r.model.estate.tenants} tenants, estimated ${r.model.cost.currency} ${Math.round(r.model.cost.total)} a month\n`,
        );
      }
      return EXIT_OK;
    },
  },
  prices: {
    summary: 'show the price table status estimates with, or refresh it from the AWS Price List API',
    usage: 'tenantc prices [--prices FILE] [--update [--out FILE] [--profile NAME]]',
    options: { prices: { type: 'string' }, update: { type: 'boolean', default: false }, out: { type: 'string' }, profile: { type: 'string' } },
    help: `  --prices FILE   the table to read (default: the shipped prices/us-east-1.json)
  --update        ask the AWS Price List API (pricing:GetProducts, us-east-1) for
                  every price the table can refresh, and write the table with
                  their current values, dates and sources; nothing is written
                  unless every one of them was found, exactly once
  --out FILE      where --update writes (default: prices/us-east-1.json, the
                  shipped table in a checkout of tenantc: rebuild to ship it)
  --profile NAME  AWS profile for --update (credentials otherwise from the
                  SDK's standard chain)`,
    async run(values, io) {
      const { pricesFor, formatProblems } = await import('./status/command.ts');
      const table = pricesFor(typeof values.prices === 'string' ? values.prices : null, io.cwd);
      if (!table.ok) {
        io.stderr.write(formatProblems(table.diagnostics));
        return table.usage ? EXIT_USAGE : EXIT_INVALID;
      }
      const { describeTable, updatePrices } = await import('./status/priceList.ts');
      if (!values.update) {
        io.stdout.write(describeTable(table.table, table.name));
        return EXIT_OK;
      }
      const out = typeof values.out === 'string' ? values.out : 'prices/us-east-1.json';
      return updatePrices(table.table, resolve(io.cwd, out), out, io, typeof values.profile === 'string' ? values.profile : undefined);
    },
  },
};

function reportDiagnostics(diagnostics: readonly Diagnostic[], io: Io): number {
  for (const d of diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
  const files = new Set(diagnostics.map((d) => d.file)).size;
  io.stderr.write(`${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}; nothing was written\n`);
  return EXIT_INVALID;
}
