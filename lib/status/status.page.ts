/**
 * The status page: one self-contained HTML document (inline CSS and script, no CDN, no build).
 * It reads `<page>/json` once, then follows `<page>/events` (server-sent events) and redraws
 * on every snapshot. Every value goes in with `textContent`, never as HTML. Cells carry
 * `data-instance` / `data-tag` so tests and scripts can find them.
 */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sync status</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2430; background: #f6f7f9; }
  h1 { font-size: 1.3rem; margin: 0 0 .3rem; }
  h2 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
  table { border-collapse: collapse; background: #fff; box-shadow: 0 1px 2px #0002; }
  th, td { padding: .35rem .7rem; border-bottom: 1px solid #e3e6ea; text-align: left; vertical-align: top; }
  th { background: #eef1f5; font-weight: 600; }
  code { font: 12px ui-monospace, monospace; }
  .meta { color: #5b6675; }
  .badge { display: inline-block; padding: 0 .4rem; border-radius: .6rem; font-size: 12px; background: #dfe9ff; }
  .leader { background: #d6f5dd; }
  td.lagging { background: #ffe3e0; color: #8a1c12; font-weight: 600; }
  td.failing { color: #8a1c12; }
  #connection.off { color: #8a1c12; }
</style>
</head>
<body>
<h1>Sync status: <span id="namespace">…</span></h1>
<div class="meta">backend <span id="backend">…</span> · lease <span id="lease">…</span> ·
  updated <span id="updated">…</span> · <span id="connection">connecting</span></div>
<h2>Tasks (this instance)</h2>
<table id="tasks"><thead><tr><th>task</th><th>version</th><th>last change</th><th>last check</th><th>age</th>
  <th>failures</th><th>last error</th></tr></thead><tbody></tbody></table>
<h2>Fleet (<span id="count">0</span> instances)</h2>
<table id="fleet"><thead><tr></tr></thead><tbody></tbody></table>
<script>
(() => {
  const base = location.pathname.replace(/\\/+$/, '');
  const $ = (id) => document.getElementById(id);
  const text = (value) => (value === undefined || value === null ? '–' : String(value));
  const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '–');
  const cell = (row, value, cls) => {
    const td = row.insertCell();
    td.textContent = text(value);
    if (cls) td.className = cls;
    return td;
  };
  let last;
  const age = (iso) => (iso ? Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 100) / 10) + ' s' : '–');
  function draw(s) {
    last = s;
    $('namespace').textContent = s.namespace;
    $('backend').textContent = s.backend;
    $('lease').textContent = s.lease ? s.lease.holder + ' (fence ' + s.lease.fence + ')' : 'nobody holds it';
    $('updated').textContent = time(s.generatedAt);
    const tasks = $('tasks').tBodies[0];
    tasks.replaceChildren();
    for (const t of s.tasks) {
      const row = tasks.insertRow();
      row.dataset.tag = t.tag;
      cell(row, t.tag);
      cell(row, t.version);
      cell(row, time(t.modifiedAt));
      cell(row, time(t.lastCheckedAt));
      cell(row, age(t.lastCheckedAt)).className = 'age';
      cell(row, t.failures + (t.consecutiveFailures ? ' (' + t.consecutiveFailures + ' in a row)' : ''),
        t.consecutiveFailures ? 'failing' : '');
      cell(row, t.lastError ? t.lastError.name + ' at ' + time(t.lastError.at) : '–');
    }
    const tags = s.tasks.map((t) => t.tag);
    const head = $('fleet').tHead.rows[0];
    head.replaceChildren();
    for (const title of ['instance', 'host', 'pid', 'role', 'started', ...tags]) {
      const th = document.createElement('th');
      th.textContent = title;
      head.appendChild(th);
    }
    const fleet = $('fleet').tBodies[0];
    fleet.replaceChildren();
    $('count').textContent = String(s.fleet.length);
    for (const i of s.fleet) {
      const row = fleet.insertRow();
      row.dataset.instance = i.instance;
      const name = cell(row, i.instance);
      if (i.self) name.append(' ', Object.assign(document.createElement('span'), { className: 'badge', textContent: 'this page' }));
      cell(row, i.host);
      cell(row, i.pid);
      const role = cell(row, '');
      role.append(Object.assign(document.createElement('span'), {
        className: 'badge' + (i.leader ? ' leader' : ''), textContent: i.leader ? 'leader' : 'follower' }));
      cell(row, time(i.startedAt));
      for (const tag of tags) {
        const task = i.tasks.find((t) => t.tag === tag);
        const td = cell(row, task ? task.version : undefined, task && task.lagging ? 'lagging' : 'version');
        td.dataset.instance = i.instance;
        td.dataset.tag = tag;
        if (task) td.title = (task.origin || '') + ' · installed ' + time(task.installedAt) +
          (task.lagging ? ' · lagging ' + Math.round(task.lagMs / 100) / 10 + ' s' : '');
      }
    }
  }
  fetch(base + '/json').then((r) => r.json()).then((s) => last || draw(s)).catch(() => undefined);
  const events = new EventSource(base + '/events');
  events.onopen = () => { $('connection').textContent = 'live'; $('connection').className = ''; };
  events.onerror = () => { $('connection').textContent = 'reconnecting'; $('connection').className = 'off'; };
  events.onmessage = (event) => draw(JSON.parse(event.data));
  setInterval(() => {
    if (!last) return;
    for (const row of $('tasks').tBodies[0].rows) {
      const t = last.tasks.find((x) => x.tag === row.dataset.tag);
      if (t) row.querySelector('.age').textContent = age(t.lastCheckedAt);
    }
  }, 1000);
})();
</script>
</body>
</html>
`;
