/** The last line of `npm test`: see testSummary.mjs. */
export function summaryLine(failed: boolean, seconds: number, outputs: readonly string[]): string;
