// CPU seconds of this process and of every child it has reaped (their own reaped
// children included): process.cpuUsage() plus /proc/self/stat's cutime and cstime
// (Linux; elsewhere the children count 0). A child's CPU counts once it is reaped. One
// function for the test runner, its workers and the profile hook (test/support/profile.cjs).
const { readFileSync } = require('node:fs');

const USER_HZ = 100; // /proc reports times in 1/100 s on Linux

function ownAndReapedCpu() {
  const own = process.cpuUsage();
  let children = 0;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    children = (Number(f[13]) + Number(f[14])) / USER_HZ; // cutime, cstime
  } catch {}
  return (own.user + own.system) / 1e6 + children;
}

module.exports = { ownAndReapedCpu };
