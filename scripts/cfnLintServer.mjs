// One cfn-lint for a whole `npm test` run: test/support/cfnLintServer.py imports cfnlint
// once and forks a child per lint, and a `cfn-lint` shim put first on PATH hands each
// run to it (its arguments, working directory, environment and standard streams) and
// exits with its status. What runs the lint is cfnlint's own command-line entry point,
// so `tenantc check` and the suites see what the installed cfn-lint prints; each
// `cfn-lint` the suites start costs a fork instead of ~1.2 s of Python imports.
// Where the server is not (yet) listening the shim runs the real cfn-lint. test/cfnLintServer.test.ts
// compares the two.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import processCpu from './processCpu.cjs';

const { procStatFields, USER_HZ } = processCpu;

const SERVER = fileURLToPath(new URL('../test/support/cfnLintServer.py', import.meta.url));

/** The first executable `name` on PATH, or null. */
export function onPath(name, path = process.env.PATH ?? '') {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {}
  }
  return null;
}

/**
 * The shim: Python without site or environment (-SE starts in milliseconds), talking to
 * the server at `socket`; `real` is run instead when the server does not answer.
 */
export function shimSource(python, socket, real) {
  return `#!${python} -SE
# cfn-lint for this test run: scripts/cfnLintServer.mjs.
import json, os, socket, sys
try:
    if not hasattr(socket, "send_fds"):  # Python < 3.9: no passing of descriptors
        raise OSError("no socket.send_fds")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(${JSON.stringify(socket)})
except OSError:
    if os.environ.get("TENANTC_CFN_LINT_SHIM_NO_FALLBACK"):
        sys.stderr.write("cfn-lint (test server): the server does not answer\\n")
        sys.exit(70)
    os.execv(${JSON.stringify(real)}, [${JSON.stringify(real)}, *sys.argv[1:]])
socket.send_fds(s, [b"\\0"], [0, 1, 2])
s.sendall(json.dumps({"cwd": os.getcwd(), "argv": sys.argv[1:], "env": dict(os.environ)}).encode())
s.shutdown(socket.SHUT_WR)
status = b""
while chunk := s.recv(64):
    status += chunk
if not status:
    sys.stderr.write("cfn-lint (test server): the lint ended without a status\\n")
    sys.exit(70)
sys.exit(int(status))
`;
}

/**
 * CPU seconds of a live process and of the children it has reaped (/proc/PID/stat's
 * utime, stime, cutime, cstime), or null. The server is unreferenced and killed, never
 * waited for, so no rusage of this process's children includes it: `npm test` prints it.
 */
function cpuSeconds(pid) {
  try {
    const f = procStatFields(`/proc/${pid}/stat`);
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / USER_HZ;
  } catch {
    return null;
  }
}

/**
 * Starts the server and writes the shim, without waiting: until the server listens (and
 * if it never does) the shim runs the real cfn-lint. Null where cfn-lint is not
 * installed: the suites then find it missing, as they would without the server.
 * @returns {null | { binDir: string, real: string, log: string, ready: Promise<boolean>, stop(): number | null }}
 */
export function startCfnLintServer() {
  const real = onPath('cfn-lint');
  if (!real) return null;
  // The interpreter `python3` names here (a pyenv shim resolves to it), where cfn-lint is installed.
  const probe = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  if (probe.status !== 0) return null;
  const python = probe.stdout.trim();
  const dir = mkdtempSync(join(tmpdir(), 'tenantc-cfn-lint-'));
  const socket = join(dir, 'socket');
  const binDir = join(dir, 'bin');
  mkdirSync(binDir);
  writeFileSync(join(binDir, 'cfn-lint'), shimSource(python, socket, real));
  chmodSync(join(binDir, 'cfn-lint'), 0o755);
  // Each lint's line (CPU seconds, status, whether it took the rules created before the
  // fork): the profile's total and test/cfnLintServer.test.ts read it.
  const log = process.env.TENANTC_CFN_LINT_SERVER_LOG || join(dir, 'lints.jsonl');
  const server = spawn(python, [SERVER, socket], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, TENANTC_CFN_LINT_SERVER_LOG: log } });
  const ready = new Promise((resolve) => {
    server.on('error', () => resolve(false));
    server.on('exit', () => resolve(false));
    server.stdout.on('data', (d) => d.includes('ready') && resolve(true));
  }).then((up) => {
    // Listening: it no longer keeps this process alive (stop() or its parent's exit ends it).
    server.unref();
    server.stdout.unref?.();
    return up;
  });
  return {
    binDir,
    real,
    log,
    ready,
    /** Stops it; returns the CPU seconds it and the lints it forked used (Linux; null elsewhere). */
    stop() {
      const cpu = cpuSeconds(server.pid);
      server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      return cpu;
    },
  };
}
