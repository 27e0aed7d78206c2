/** One cfn-lint for a test run: see cfnLintServer.mjs. */
export function onPath(name: string, path?: string): string | null;
export function shimSource(python: string, socket: string, real: string): string;
export function startCfnLintServer(): null | {
  binDir: string;
  real: string;
  /** Each lint's line: CPU seconds, status, whether it took the rules created before the fork. */
  log: string;
  ready: Promise<boolean>;
  stop(): number | null;
};
