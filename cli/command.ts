// The contract between the command line (cli/main.ts) and the commands of the
// compiler (compiler/commands.ts) and of deploy (deploy/commands.ts).
import type { ParseArgsConfig } from 'node:util';

export const EXIT_OK = 0;
/** Invalid manifests, a refused change, or a failed operation. */
export const EXIT_INVALID = 1;
/** Unknown command or option, a missing directory, a bad ref. */
export const EXIT_USAGE = 2;
/** deploy: refused by its guard (stateful change, domain gate, lifecycle, name handover, stale change set). */
export const EXIT_REFUSED = 3;
/** deploy: not approved (a "no" at the prompt; no terminal and no --yes). */
export const EXIT_NOT_APPROVED = 4;
/** Interrupted by SIGINT or SIGTERM (128 + SIGINT's number, as shells report it). */
export const EXIT_INTERRUPTED = 130;

export interface Io {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
  readonly cwd: string;
  /**
   * Asks a question on the terminal; absent when there is none (CI, a pipe), so a
   * command can never wait on a prompt nobody can answer.
   */
  readonly prompt?: (question: string) => Promise<string>;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  readonly help: string;
  /** Errors that mean the command was called wrongly: reported as `tenantc <cmd>: message`, exit 2. */
  readonly usageErrors?: readonly (abstract new (
    ...args: never[]
  ) => Error)[];
  run(values: OptionValues, io: Io): Promise<number> | number;
}
