/** The last line of `npm test`: see testSummary.mjs. */
export function summaryLine(failed: boolean, seconds: number, outputs: readonly string[]): string;
/** Tests uvu counted but neither passed nor skipped in processes that reported no failure (a before hook threw): see testSummary.mjs. */
export function notRun(outputs: readonly string[]): number;
