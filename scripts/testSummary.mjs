// The last line of `npm test` (scripts/test.mjs): the verdict, the time, and what did
// not run on purpose. A suite that skips tests on purpose (TENANTC_SKIP_MOTO=1) prints
// `[skipped] <what>: <why>` and uvu counts the tests it skipped ("Skipped: N"); both
// are read from the suites' output so that no skip passes unnoticed in a green run.

const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * @param {boolean} failed
 * @param {number} seconds
 * @param {readonly string[]} outputs the output of each job, as printed
 * @returns {string}
 */
export function summaryLine(failed, seconds, outputs) {
  let skipped = 0;
  const reasons = new Set();
  for (const output of outputs) {
    const text = output.replace(ANSI, '');
    for (const m of text.matchAll(/^ {2}Skipped: +(\d+)$/gm)) skipped += Number(m[1]);
    for (const m of text.matchAll(/\[skipped\] (.+)$/gm)) reasons.add(m[1].trim());
  }
  const skips =
    skipped || reasons.size ? `; ${skipped} test${skipped === 1 ? '' : 's'} skipped on purpose${reasons.size ? ` (${[...reasons].join('; ')})` : ''}` : '';
  return `== npm test: ${failed ? 'FAILED' : 'passed'} in ${seconds.toFixed(1)} s${skips}`;
}
