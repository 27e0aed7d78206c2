// resolveTenant: the host map as compiled for the sample estate, and the Host header alone.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIME_HOSTS_FILE, type RuntimeHostMap } from '../compiler/outputFormat.ts';
import { createServer, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { hostResolver, normalizeHost, readHostMap, requestHost, tenantObjectKey } from '../runtime/index.ts';
import { compiledFrom, SAMPLE_TENANTS } from './helpers.ts';

const H = suite('runtime: resolveTenant');
const map = JSON.parse(compiledFrom(SAMPLE_TENANTS).files.find((f) => f.path === RUNTIME_HOSTS_FILE)!.content) as RuntimeHostMap;
const shared = hostResolver(map, { fleet: 'shared' });

H('hosts are normalised for case, trailing dot and port, and nothing else is a host', () => {
  for (const [raw, host] of [
    ['initech.tessera.app', 'initech.tessera.app'],
    ['INITECH.Tessera.APP', 'initech.tessera.app'],
    ['initech.tessera.app.', 'initech.tessera.app'],
    ['initech.tessera.app:443', 'initech.tessera.app'],
    ['Initech.tessera.app.:8443', 'initech.tessera.app'],
  ])
    assert.is(normalizeHost(raw), host, raw);
  for (const bad of [
    '',
    '.',
    'initech..tessera.app',
    'initech.tessera.app..',
    'initech.tessera.app:99999',
    'initech.tessera.app:',
    'user@initech.tessera.app',
    'initech.tessera.app/x',
    '[::1]:443',
    'initech.tessera.app, soylent.tessera.app',
    ' initech.tessera.app',
    'ìnitech.tessera.app',
    '-initech.tessera.app',
    `${'a'.repeat(64)}.tessera.app`,
    undefined,
  ])
    assert.is(normalizeHost(bad), null, JSON.stringify(bad));
});

H("each served host resolves to its tenant; variants to the same; the map's every host is covered", () => {
  for (const [h, id] of Object.entries(map.hosts)) {
    const t = map.tenants[id]!;
    const r = hostResolver(map, { fleet: t.fleet })(`${h.toUpperCase()}.:443`);
    if (t.status === 'active') {
      assert.ok(r.ok, h);
      if (r.ok) assert.is(r.tenantId, id);
    } else {
      assert.not.ok(r.ok, h);
      if (!r.ok) assert.equal([r.refusal.status, r.refusal.reason, r.refusal.tenantStatus, r.refusal.tenantId], [403, `tenant-${t.status}`, t.status, id]);
    }
  }
});

H('unknown, malformed and missing hosts are 421 with no tenant; a property name of Object is no host', () => {
  for (const [raw, reason] of [
    ['tessera.app', 'host-unknown'],
    ['xinitech.tessera.app', 'host-unknown'],
    ['initech.tessera.app.evil.example', 'host-unknown'],
    ['constructor', 'host-unknown'],
    ['__proto__', 'host-invalid'],
    ['hasOwnProperty', 'host-unknown'],
    ['initech.tessera.app:x', 'host-invalid'],
    [undefined, 'host-missing'],
    ['', 'host-missing'],
  ] as const) {
    const r = shared(raw);
    assert.not.ok(r.ok, String(raw));
    if (!r.ok) assert.equal([r.refusal.status, r.refusal.reason, r.refusal.tenantId], [421, reason, null], String(raw));
  }
});

H("a tenant is served only by its fleet: premium hosts are misdirected on the pooled fleet, and a dedicated fleet serves its tenant's hosts alone", () => {
  const r = shared('hooli.tessera.app');
  assert.not.ok(r.ok);
  if (!r.ok) assert.equal([r.refusal.status, r.refusal.reason, r.refusal.tenantId], [421, 'host-other-fleet', 'hooli']);
  const hooli = hostResolver(map, { fleet: 'hooli' });
  assert.ok(hooli('hooli.tessera.app').ok);
  for (const other of ['initech.tessera.app', 'acme.com']) {
    const x = hooli(other);
    assert.not.ok(x.ok, other);
    if (!x.ok) assert.is(x.refusal.reason, 'host-other-fleet');
  }
});

H('the host map is read only in its own format, every host naming a tenant it describes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantc-hosts-'));
  try {
    const file = join(dir, 'hosts.json');
    writeFileSync(file, JSON.stringify(map));
    assert.equal(readHostMap(file), map);
    writeFileSync(file, JSON.stringify({ ...map, format: 'tenantc-runtime-hosts/0' }));
    assert.throws(() => readHostMap(file), /format "tenantc-runtime-hosts\/0", expected tenantc-runtime-hosts\/1/);
    writeFileSync(file, JSON.stringify({ ...map, hosts: { ...map.hosts, 'x.example': 'nobody' } }));
    assert.throws(() => readHostMap(file), /names tenant "nobody"/);
    writeFileSync(file, JSON.stringify({ ...map, hosts: { 'X.example': 'initech' } }));
    assert.throws(() => readHostMap(file), /not normalised/);
    assert.throws(() => readHostMap(join(dir, 'missing.json')), /cannot read the host map/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

H("tenantObjectKey: a name stays under the tenant's prefix; dot segments and other characters are refused", () => {
  const t = map.tenants.initech!;
  assert.is(tenantObjectKey(t, 'files/report.pdf'), 'tenants/initech/files/report.pdf');
  assert.is(tenantObjectKey(t, 'a/b-c_d.e'), 'tenants/initech/a/b-c_d.e');
  for (const bad of [
    '',
    '../soylent/x',
    'files/../../soylent/x',
    '/tenants/soylent/x',
    'files/.',
    'files//x',
    'files/x y',
    'files/%2e%2e',
    'files/a\\b',
    'x'.repeat(1100),
  ])
    assert.is(tenantObjectKey(t, bad), null, bad);
});

/** Sends `head` as a raw HTTP/1.1 request to a Node server and returns what its handler saw. */
async function served(head: string): Promise<{ headersHost?: string; resolved: string }> {
  const server = createServer((req: IncomingMessage, res) => {
    const named = requestHost(req);
    res.end(
      JSON.stringify({
        headersHost: req.headers.host,
        resolved: named.ok ? `ok ${named.host}` : `${named.refusal.status} ${named.refusal.reason}`,
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as { port: number }).port;
    const text = await new Promise<string>((resolve, reject) => {
      let out = '';
      const socket = connect(port, '127.0.0.1', () => socket.end(head));
      socket.on('data', (d) => (out += d.toString()));
      socket.on('end', () => resolve(out));
      socket.on('error', reject);
    });
    return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
  } finally {
    server.close();
  }
}

H('requestHost: two Host headers, or an absolute-form target naming another host, are refused (400), never resolved either way', async () => {
  const plain = await served('GET /api/projects HTTP/1.1\r\nHost: initech.tessera.app\r\nConnection: close\r\n\r\n');
  assert.equal(plain, { headersHost: 'initech.tessera.app', resolved: 'ok initech.tessera.app' });
  const same = await served('GET https://Initech.tessera.app/api/projects HTTP/1.1\r\nHost: initech.tessera.app:443\r\nConnection: close\r\n\r\n');
  assert.is(same.resolved, 'ok initech.tessera.app:443', 'absolute form naming the same host');
  const two = await served('GET /api/projects HTTP/1.1\r\nHost: initech.tessera.app\r\nHost: soylent.tessera.app\r\nConnection: close\r\n\r\n');
  assert.is(two.resolved, '400 host-ambiguous');
  const absolute = await served('GET https://soylent.tessera.app/api/projects HTTP/1.1\r\nHost: initech.tessera.app\r\nConnection: close\r\n\r\n');
  assert.is(absolute.resolved, '400 host-ambiguous');
  // The mutation: Host read from request.headers.host, as before. Node keeps the first of
  // two Host headers, and nothing there says the target named another host: each request
  // resolves to initech, though a proxy reading the other host routed it as soylent.
  for (const r of [two, absolute]) {
    const resolved = shared(r.headersHost);
    assert.ok(resolved.ok && resolved.tenantId === 'initech', JSON.stringify(r));
  }
  assert.equal(requestHost({ url: '/x', rawHeaders: [] }), { ok: true, host: undefined }, 'no Host: resolveTenant says host-missing');
  assert.is(requestHost({ url: 'ftp://[::1]/', rawHeaders: ['Host', 'initech.tessera.app'] }).ok, false);
});

H.run();
