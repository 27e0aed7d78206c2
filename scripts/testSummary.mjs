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
  const lost = notRun(outputs);
  if (lost > 0) failed = true;
  let skipped = 0;
  const reasons = new Set();
  for (const output of outputs) {
    const text = output.replace(ANSI, '');
    for (const m of text.matchAll(/^ {2}Skipped: +(\d+)$/gm)) skipped += Number(m[1]);
    for (const m of text.matchAll(/\[skipped\] (.+)$/gm)) reasons.add(m[1].trim());
  }
  const skips =
    skipped || reasons.size ? `; ${skipped} test${skipped === 1 ? '' : 's'} skipped on purpose${reasons.size ? ` (${[...reasons].join('; ')})` : ''}` : '';
  const lostText = lost ? `; ${lost} test${lost === 1 ? '' : 's'} neither passed nor failed (a before hook threw: uvu reports such a suite as passing)` : '';
  return `== npm test: ${failed ? 'FAILED' : 'passed'} in ${seconds.toFixed(1)} s${lostText}${skips}`;
}

/**
 * Tests uvu counted but neither passed nor skipped, in processes that reported no
 * failure. uvu runs a suite's before hooks inside a try whose finally returns, so a hook
 * that throws (a server that did not start) drops the error: the suite prints (0 / N),
 * the process exits 0, and only "Total" exceeding "Passed" + "Skipped" shows it. A
 * process whose tests failed says so itself (its "FAIL" lines, a non-zero exit).
 * @param {readonly string[]} outputs
 * @returns {number}
 */
export function notRun(outputs) {
  let lost = 0;
  for (const output of outputs) {
    const text = output.replace(ANSI, '');
    if (/^ +FAIL /m.test(text)) continue;
    const count = (label) => [...text.matchAll(new RegExp(`^ {2}${label}: +(\\d+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
    lost += Math.max(0, count('Total') - count('Passed') - count('Skipped'));
  }
  return lost;
}
