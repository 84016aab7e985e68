package uplink

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"hallkiosk/internal/httpjson"
)

// Paths served by AdminHandler.
const (
	AdminPagePath   = "/admin/city"
	AdminScriptPath = "/admin/city.js"
	AdminStatusPath = "/api/v1/admin/city"
	AdminEnrolPath  = "/api/v1/admin/city/enrol"
)

// EnrolRequest is the body of POST /api/v1/admin/city/enrol.
type EnrolRequest struct {
	City string `json:"city"`
	Code string `json:"code"`
}

// AdminHandler serves the hall admin page for the city uplink: the
// status (enrolled, site, city, acknowledged sequence, last success and
// error) and enrolment with the city's URL and a one-time code, the same
// as kioskctl city enrol. isAdmin is the hall's own session check (a
// signed-in admin); everyone else gets 403 and nothing of the state.
// u may be nil when the site has no [city] url: the page says so and
// enrolment is refused with 409 not_configured. Writes take a JSON body
// only (415 otherwise), which a cross-site form cannot send.
func AdminHandler(u *Uplink, isAdmin func(*http.Request) bool) http.Handler {
	return &adminHandler{u: u, isAdmin: isAdmin}
}

type adminHandler struct {
	u       *Uplink
	isAdmin func(*http.Request) bool
}

func (h *adminHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	if h.isAdmin == nil || !h.isAdmin(r) {
		httpjson.WriteError(w, http.StatusForbidden, "forbidden", "需要管理员登录")
		return
	}
	switch {
	case r.URL.Path == AdminPagePath && r.Method == http.MethodGet:
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(adminPage))
	case r.URL.Path == AdminScriptPath && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write([]byte(adminScript))
	case r.URL.Path == AdminStatusPath && r.Method == http.MethodGet:
		httpjson.WriteJSON(w, http.StatusOK, h.status())
	case r.URL.Path == AdminEnrolPath && r.Method == http.MethodPost:
		h.enrol(w, r)
	case r.URL.Path == AdminPagePath || r.URL.Path == AdminScriptPath || r.URL.Path == AdminStatusPath || r.URL.Path == AdminEnrolPath:
		httpjson.WriteError(w, http.StatusMethodNotAllowed, "method", "不支持的请求方法")
	default:
		http.NotFound(w, r)
	}
}

// adminStatus is the answer of GET /api/v1/admin/city.
type adminStatus struct {
	Configured bool `json:"configured"`
	Status
}

func (h *adminHandler) status() adminStatus {
	if h.u == nil {
		return adminStatus{}
	}
	return adminStatus{Configured: true, Status: h.u.Status()}
}

func (h *adminHandler) enrol(w http.ResponseWriter, r *http.Request) {
	var req EnrolRequest
	if err := httpjson.Decode(r, 4096, &req); err != nil {
		httpjson.WriteDecodeError(w, err)
		return
	}
	if h.u == nil {
		httpjson.WriteError(w, http.StatusConflict, "not_configured", "本站未配置市级平台地址（[city] url）")
		return
	}
	req.City, req.Code = strings.TrimSpace(req.City), strings.TrimSpace(req.Code)
	if req.City == "" || req.Code == "" {
		httpjson.WriteError(w, http.StatusBadRequest, "invalid", "请填写市级平台地址和一次性注册码")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	if _, err := h.u.Enrol(ctx, req.City, req.Code); err != nil {
		var he *HTTPError
		switch {
		case errors.Is(err, ErrPin):
			httpjson.WriteErrorDetail(w, http.StatusBadGateway, "pin", "市级平台证书与注册码不符", err.Error())
		case errors.As(err, &he):
			httpjson.WriteErrorDetail(w, http.StatusBadGateway, "city_refused", "市级平台拒绝注册", err.Error())
		default:
			httpjson.WriteErrorDetail(w, http.StatusBadGateway, "enrol_failed", "注册失败", err.Error())
		}
		return
	}
	h.u.Trigger()
	httpjson.WriteJSON(w, http.StatusOK, h.status())
}

const adminPage = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>市级平台上报</title>
<style>body{font:18px sans-serif;margin:2em}label{display:block;margin:.6em 0}input{font-size:18px;width:28em}button{font-size:18px;min-height:44px}</style>
<script src="/admin/city.js" defer></script></head>
<body><h1>市级平台上报</h1>
<dl id="status"><dt>状态</dt><dd id="state">…</dd><dt>站点</dt><dd id="site"></dd><dt>市级平台</dt><dd id="city"></dd>
<dt>已确认序号</dt><dd id="acked"></dd><dt>上次成功</dt><dd id="last_ok"></dd><dt>上次错误</dt><dd id="last_error"></dd></dl>
<h2>注册</h2>
<form id="enrol"><label>市级平台地址 <input id="city_url" name="city" placeholder="https://city:8643" required></label>
<label>一次性注册码 <input id="code" name="code" autocomplete="off" required></label>
<button type="submit">注册</button></form>
<p id="msg" role="status"></p></body></html>
`

const adminScript = `'use strict';
function show(s) {
  document.getElementById('state').textContent = !s.configured ? '未配置 [city] url' : (s.enrolled ? '已注册' : '未注册');
  for (const k of ['site', 'city', 'acked', 'last_error']) document.getElementById(k).textContent = s[k] === undefined ? '' : String(s[k]);
  document.getElementById('last_ok').textContent = s.last_ok && !s.last_ok.startsWith('0001') ? new Date(s.last_ok).toLocaleString('zh-CN', {timeZone: 'Asia/Shanghai'}) : '';
}
async function load() {
  const r = await fetch('/api/v1/admin/city', {credentials: 'same-origin'});
  if (r.ok) show(await r.json());
}
document.getElementById('enrol').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const msg = document.getElementById('msg');
  msg.textContent = '注册中…';
  // The hall's pages send the session's CSRF token with every change.
  const headers = {'Content-Type': 'application/json'};
  const me = await fetch('/api/v1/me', {credentials: 'same-origin'});
  if (me.ok) { const m = await me.json(); if (m.csrf) headers['X-CSRF-Token'] = m.csrf; }
  const r = await fetch('/api/v1/admin/city/enrol', {method: 'POST', credentials: 'same-origin', headers,
    body: JSON.stringify({city: document.getElementById('city_url').value, code: document.getElementById('code').value})});
  const j = await r.json();
  if (r.ok) { show(j); msg.textContent = '注册成功'; document.getElementById('code').value = ''; }
  else msg.textContent = (j.error && j.error.message || '失败') + (j.error && j.error.detail ? '：' + j.error.detail : '');
});
load();
`
