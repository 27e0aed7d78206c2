// argv → commands; exit codes only. 0 success, 1 invalid manifests (or a failed
// operation), 2 usage error.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { formatDiagnostic, type Diagnostic } from './diagnostics.ts';
import { ManifestDirectoryError } from './load/readManifests.ts';
import { checkEstate, compile, loadSources } from './pipeline.ts';
import { OutputDirectoryError } from './write/writeOutput.ts';

export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;

export interface Io {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
  readonly cwd: string;
}

interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  readonly help: string;
  run(values: Record<string, string | boolean | undefined>, io: Io): Promise<number> | number;
}

const TENANTS_OPTION = { tenants: { type: 'string', default: 'tenants' } } as const;

const COMMANDS: Record<string, Command> = {
  validate: {
    summary: 'check every manifest and report all problems at once',
    usage: 'tenantc validate [--tenants DIR]',
    options: { ...TENANTS_OPTION },
    help: `  --tenants DIR   directory of manifests (default: tenants)

Reads the platform manifest and every tenant manifest, validates them against the
schemas in schema/ and the semantic rules, and prints each problem as
path:line:col: message on stderr. Writes nothing.`,
    run(values, io) {
      const dir = String(values.tenants);
      const checked = checkEstate(dir, loadSources(dir));
      if (!checked.ok) return reportDiagnostics(checked.diagnostics, io);
      io.stdout.write(`${dir}: platform ${checked.plan.platform.name} and ${checked.plan.tenants.length} tenants are valid\n`);
      return EXIT_OK;
    },
  },
  compile: {
    summary: 'validate, then write CloudFormation templates and SQL',
    usage: 'tenantc compile [--tenants DIR] [--out DIR]',
    options: { ...TENANTS_OPTION, out: { type: 'string', default: 'out' } },
    help: `  --tenants DIR   directory of manifests (default: tenants)
  --out DIR       output directory, replaced as a whole (default: out)

Also updates placement.lock.yaml in the --tenants directory when placement
changes; commit it with the manifests.

Writes *.template.json (CloudFormation) and sql/ into DIR. When any manifest is
invalid, prints every problem, writes nothing and leaves DIR exactly as it was.`,
    async run(values, io) {
      const dir = String(values.tenants);
      const out = String(values.out);
      const result = await compile(dir, out);
      if (!result.ok) return reportDiagnostics(result.diagnostics, io);
      const templates = result.files.filter((f) => f.path.endsWith('.template.json')).length;
      const sql = result.files.filter((f) => f.path.startsWith('sql/')).length;
      io.stdout.write(`compiled ${result.plan.tenants.length} tenants of ${result.plan.platform.name} into ${out}/: ${templates} template${templates === 1 ? '' : 's'}, ${sql} SQL file${sql === 1 ? '' : 's'} (${result.written.written} written, ${result.written.kept} unchanged)\n`);
      if (result.lockChanged) io.stdout.write(`updated ${dir}/placement.lock.yaml: commit it with the manifests\n`);
      return EXIT_OK;
    },
  },
};

function reportDiagnostics(diagnostics: readonly Diagnostic[], io: Io): number {
  for (const d of diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
  const files = new Set(diagnostics.map((d) => d.file)).size;
  io.stderr.write(`${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}; nothing was written\n`);
  return EXIT_INVALID;
}

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return `tenantc — compiles tenant manifests into CloudFormation and PostgreSQL RLS SQL

Usage: tenantc <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  .join('\n')}

Run tenantc <command> --help for a command's options.
Exit codes: 0 success, 1 invalid manifests or failed operation, 2 usage error.
`;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(mainHelp());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.stderr.write(`tenantc: unknown command "${name}"\n\n${mainHelp()}`);
    return EXIT_USAGE;
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...rest], options: { ...command.options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }) as {
      values: Record<string, string | boolean | undefined>;
    });
  } catch (e) {
    io.stderr.write(`tenantc ${name}: ${(e as Error).message}\nUsage: ${command.usage}\n`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.stdout.write(`Usage: ${command.usage}\n\n${command.summary}\n\n${command.help}\n`);
    return EXIT_OK;
  }
  try {
    return await command.run(values, io);
  } catch (e) {
    if (e instanceof ManifestDirectoryError || e instanceof OutputDirectoryError) {
      io.stderr.write(`tenantc ${name}: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
}
