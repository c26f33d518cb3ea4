// Measures first-load gzip bytes of the dashboard and WebSocket state-change delay (see bench-dashboard.sh).
import { gzipSync } from 'node:zlib';
const [base, password] = process.argv.slice(2);

async function transferred(path) {
  const r = await fetch(base + path, { headers: { 'accept-encoding': 'gzip' } });
  const body = Buffer.from(await r.arrayBuffer()); // fetch decodes; gzip again to count transfer bytes
  return { text: body.toString(), bytes: gzipSync(body).length };
}
const index = await transferred('/');
let total = index.bytes;
for (const m of index.text.matchAll(/(?:src|href)="([^"]+)"/g)) {
  if (m[1].startsWith('http')) continue;
  total += (await transferred(m[1].startsWith('/') ? m[1] : '/' + m[1])).bytes;
}
console.log(`dashboard first load (gzip): ${(total / 1024).toFixed(1)} KB`);

const login = await fetch(base + '/api/v1/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password }) });
const cookie = login.headers.get('set-cookie').split(';')[0];
const tok = await (await fetch(base + '/api/v1/tokens', { method: 'POST', headers: { cookie, 'x-requested-with': 'onair', 'content-type': 'application/json' }, body: '{"name":"bench"}' })).json();
const auth = { authorization: `Bearer ${tok.token}`, 'content-type': 'application/json' };
const post = (p, b) => fetch(base + '/api/v1' + p, { method: 'POST', headers: auth, body: b ? JSON.stringify(b) : undefined });
await post('/ingest/test-signal', { enabled: true });
const sink = process.argv[4];
await post('/destinations', { name: 'sink', platform: 'custom', url: sink, stream_key: 'bench', enabled: true });
const r = await post('/live/start');
if (!r.ok) throw new Error('go live: ' + r.status + ' ' + (await r.text()));

const ws = new WebSocket(base.replace('http', 'ws') + '/api/v1/events', { headers: { cookie } });
let waiting = null;
ws.onmessage = (m) => { const e = JSON.parse(m.data); if (e.type === 'show' && waiting && e.paused === waiting.paused) { const w = waiting; waiting = null; w.resolve(performance.now() - w.t0); } };
await new Promise((res, rej) => { ws.onopen = res; ws.onerror = rej; });
const delays = [];
for (let i = 0; i < 100; i++) {
  const paused = i % 2 === 0;
  const p = new Promise((resolve) => { waiting = { paused, resolve, t0: performance.now() }; });
  await post(paused ? '/live/pause' : '/live/resume');
  delays.push(await p);
}
ws.close();
await post('/live/stop');
delays.sort((a, b) => a - b);
console.log(`state change -> WebSocket client, median of 100: ${delays[50].toFixed(2)} ms (p90 ${delays[90].toFixed(2)} ms, max ${delays[99].toFixed(2)} ms)`);
console.log('(measured from sending the POST, so it includes the HTTP request)');
