// argv → command; exit codes only. The compiler's commands and deploy's are two tables
// that meet here, so compiler/ never imports deploy/ and deploy/ never imports the
// compiler's stages.
import { parseArgs } from 'node:util';
import { COMPILER_COMMANDS } from '../compiler/commands.ts';
import { DEPLOY_COMMANDS } from '../deploy/commands.ts';
import { type Command, EXIT_OK, EXIT_USAGE, type Io, type OptionValues } from './command.ts';
import { safePrompt, safeWriter } from './terminal.ts';

export { terminalPrompt } from './terminal.ts';

const COMMANDS: Readonly<Record<string, Command>> = { ...COMPILER_COMMANDS, ...DEPLOY_COMMANDS };

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return `tenantc — compiles tenant manifests into CloudFormation and PostgreSQL RLS SQL, and deploys them

Usage: tenantc <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  .join('\n')}

Run tenantc <command> --help for a command's options.
Exit codes: 0 success, 1 invalid manifests, a change the --fail-on gate refuses, or a
failed operation, 2 usage error; deploy adds 3 refused by its guard, 4 not approved,
130 interrupted (tenantc deploy --help).
`;
}

export async function main(argv: readonly string[], given: Io): Promise<number> {
  // No command writes a control or invisible character to a terminal (cli/terminal.ts).
  const io: Io = {
    ...given,
    stdout: safeWriter(given.stdout),
    stderr: safeWriter(given.stderr),
    ...(given.prompt ? { prompt: safePrompt(given.prompt) } : {}),
  };
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
  let values: OptionValues;
  try {
    ({ values } = parseArgs({
      args: [...rest],
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
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
    if (command.usageErrors?.some((kind) => e instanceof kind)) {
      io.stderr.write(`tenantc ${name}: ${(e as Error).message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
}
