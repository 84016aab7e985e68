// Small helpers shared by the pages.
// hkCSRF is the session's CSRF token (from the login reply or GET /me),
// sent in X-CSRF-Token on every state-changing request.
let hkCSRF = '';
async function api(method, path, body) {
  const opt = { method, headers: {}, credentials: 'same-origin' };
  if (body !== undefined) { opt.headers['Content-Type'] = 'application/json'; opt.body = JSON.stringify(body); }
  if (method !== 'GET' && hkCSRF) opt.headers['X-CSRF-Token'] = hkCSRF;
  const r = await fetch('/api/v1' + path, opt);
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = { error: { code: 'bad_reply', message: '服务器回复有误' } }; }
  if (r.ok && data && data.csrf && (path === '/me' || path === '/login')) hkCSRF = data.csrf;
  if (!r.ok) {
    const err = new Error((data && data.error && data.error.message) || ('HTTP ' + r.status));
    err.code = data && data.error && data.error.code; err.detail = data && data.error && data.error.detail; err.status = r.status;
    throw err;
  }
  return data;
}
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}
function fmtTime(s) { const d = new Date(s); return d.toLocaleTimeString('zh-CN', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'Asia/Shanghai' }); }
function fmtDate(s) { return new Date(s).toLocaleDateString('zh-CN', { timeZone: 'Asia/Shanghai' }); }
const stateNames = { waiting: '等候中', called: '已呼叫', serving: '办理中', parked: '已搁置', done: '已完成', cancelled: '已取消', void: '已作废', no_show: '过号', expired: '已过期' };
const prioNames = { normal: '普通', green: '绿色通道', vip: 'VIP', appointment: '预约' };
// live opens the server event stream and keeps it open: the browser's
// EventSource retries by itself; if it gives up, reopen after a pause.
function live(handlers, onState) {
  let es = null, timer = null;
  function open() {
    es = new EventSource('/api/v1/stream');
    es.onopen = () => onState && onState(true);
    es.onerror = () => {
      onState && onState(false);
      if (es.readyState === EventSource.CLOSED && !timer) { timer = setTimeout(() => { timer = null; open(); }, 2000); }
    };
    for (const [name, fn] of Object.entries(handlers)) es.addEventListener(name, ev => fn(JSON.parse(ev.data)));
  }
  open();
}
