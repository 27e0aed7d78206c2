// Process times from /proc (Linux): what the test runner, its workers, the profile hook
// (test/support/profile.cjs) and the cfn-lint server's stop read, parsed in one place.
const { readFileSync } = require('node:fs');

const USER_HZ = 100; // /proc reports times in 1/100 s on Linux

/**
 * The fields of a /proc stat file (`/proc/PID/stat`, `/proc/PID/task/TID/stat`) after the
 * command name, which may hold spaces and parentheses: field 0 is the state, 11-14 utime,
 * stime, cutime and cstime. Throws where the file cannot be read.
 */
function procStatFields(path) {
  const text = readFileSync(path, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/**
 * CPU seconds of this process and of every child it has reaped (their own reaped
 * children included): process.cpuUsage() plus cutime and cstime (elsewhere than Linux
 * the children count 0). A child's CPU counts once it is reaped.
 */
function ownAndReapedCpu() {
  const own = process.cpuUsage();
  let children = 0;
  try {
    const f = procStatFields('/proc/self/stat');
    children = (Number(f[13]) + Number(f[14])) / USER_HZ;
  } catch {}
  return (own.user + own.system) / 1e6 + children;
}

module.exports = { USER_HZ, ownAndReapedCpu, procStatFields };
