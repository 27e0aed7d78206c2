// A local moto_server with tenantc's patches (test/support/moto/tenantc_moto.py), on
// loopback over TLS (the buckets' policies deny plain HTTP, and moto enforces them), with
// a certificate made for the run. The deploy integration test, the reference app's local
// mode and `npm run moto` (docs/deploy.md's walkthrough) all start it through here, so there is
// one way to get a moto that answers like AWS where tenantc needs it to.
//
//   npm run moto [-- --port N]   starts one in the foreground and prints the environment
//                                the CLI needs; Ctrl-C stops it and removes its files
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const MOTO_DIR = fileURLToPath(new URL('../test/support/moto/', import.meta.url));

export interface LocalMoto {
  /** https://127.0.0.1:<port> */
  readonly endpoint: string;
  /** The PEM certificate the server presents (trust it with NODE_EXTRA_CA_CERTS or an https Agent's `ca`). */
  readonly caFile: string;
  /** The AWS SDK's standard variables pointed at this server (credentials are moto's test keys). */
  readonly env: Readonly<Record<string, string>>;
  /** Everything the server printed so far (its gap markers and tracebacks included). */
  output(): string;
  stop(): void;
}

let motoProbe: string | null | undefined;

/**
 * moto_server (moto 5 with its server extra) on this machine's Python, or the reason it
 * is not there. Asked once per process. It asks Python whether the packages are
 * installed (find_spec: a tenth of a second), not to import them: importing moto costs
 * ~0.4 s of CPU, which the server then spends again; an installed but broken moto still
 * fails, when the server does not start, with its traceback in the error.
 */
export function motoMissing(): string | null {
  if (motoProbe !== undefined) return motoProbe;
  const probe = spawnSync(
    'python3',
    [
      '-c',
      "import importlib.util as u, sys; m = [n for n in ('moto', 'flask', 'flask_cors', 'werkzeug') if u.find_spec(n) is None]; sys.exit(f'No module named {m[0]!r}' if m else 0)",
    ],
    { encoding: 'utf8' },
  );
  motoProbe =
    probe.status === 0 ? null : `python3 cannot import moto's server (${probe.stderr.trim().split('\n').at(-1) || probe.error?.message || 'no python3'})`;
  return motoProbe;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts a patched moto_server on `port` (a free one by default) and waits until it
 * answers, at most `startSeconds` (default 60; importing moto takes a few seconds of CPU,
 * and on a machine loaded twenty times over more than 15 s of wall).
 */
export async function startMoto(options: { readonly port?: number; readonly startSeconds?: number } = {}): Promise<LocalMoto> {
  const missing = motoMissing();
  if (missing) throw new Error(`${missing}: install it with \`pip install 'moto[server]'\``);
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'tenantc-moto-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      // P-256: made in milliseconds, where an RSA key takes 0.1 to 1 s of CPU (its prime search).
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`openssl could not make the server's certificate: ${made.stderr || made.error?.message}`);
  }
  let output = '';
  const server: ChildProcess = spawn('python3', [join(MOTO_DIR, 'server.py'), String(port), cert, key], { cwd: MOTO_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const endpoint = `https://127.0.0.1:${port}`;
  const stop = () => {
    // SIGKILL: moto keeps nothing worth saving, and its threaded server can outlive SIGTERM.
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready when it says so (event-driven: no poll); gone or past the bound, it failed.
  const started = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), (options.startSeconds ?? 60) * 1000);
    const settle = (up: boolean) => {
      clearTimeout(timer);
      server.stdout!.off('data', check);
      server.stderr!.off('data', check);
      resolve(up);
    };
    const check = () => output.includes('Running on') && settle(true);
    server.stdout!.on('data', check);
    server.stderr!.on('data', check);
    server.once('exit', () => settle(false));
    check();
  });
  if (!started) {
    stop();
    throw new Error(`moto_server did not start on ${endpoint}:\n${output}`);
  }
  return {
    endpoint,
    caFile: cert,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      NODE_EXTRA_CA_CERTS: cert,
    },
    output: () => output,
    stop,
  };
}

/** `npm run moto`: one server in the foreground until Ctrl-C. */
async function runInForeground(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '4566' } } });
  const moto = await startMoto({ port: Number(values.port) });
  process.stdout.write(
    `moto is running on ${moto.endpoint} (Ctrl-C stops it). In another shell:\n\n${Object.entries(moto.env)
      .map(([k, v]) => `export ${k}=${v}`)
      .join('\n')}\n\n`,
  );
  const stop = () => {
    moto.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runInForeground().catch((e: Error) => {
    process.stderr.write(`npm run moto: ${e.message}\n`);
    process.exit(1);
  });
}
