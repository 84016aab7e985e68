package hallapi

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"hallkiosk/internal/codesign"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
)

// The ticket progress page: what a citizen's phone shows after scanning the
// QR code on a queue ticket (GET /q?c=CODE). The code is a signed ticket
// code (internal/codesign, kind "ticket") made by the hall itself or by a
// kiosk it enrolled, for a ticket issued online or offline. The page shows
// the number, the service, where to wait, the people ahead, the estimated
// wait and the live state ("请到 19 号窗口"), polls
// GET /api/v1/public/progress every few seconds, and offers the 好差评
// form for a served ticket (POST /api/v1/public/rate). It never shows
// personal data: no name, no ID number, no phone.

// TicketKeys returns the public key that signs ticket codes under key id
// kid: the hall's own key or an enrolled kiosk's device key. ok is false for
// an unknown (or revoked) key.
type TicketKeys func(ctx context.Context, kid string) (pub ed25519.PublicKey, ok bool)

// ProgressPollInterval is how often the page asks for the ticket's state.
const ProgressPollInterval = 3 * time.Second

// SetTicketKeys sets where the progress page finds the keys of ticket codes
// (call it before serving). Without it every code is refused as unknown.
func (s *Server) SetTicketKeys(k TicketKeys) {
	s.keysMu.Lock()
	defer s.keysMu.Unlock()
	s.keys = k
}

func (s *Server) ticketKeys() TicketKeys {
	s.keysMu.RLock()
	defer s.keysMu.RUnlock()
	return s.keys
}

// progressRoutes mounts the public progress page and its JSON.
func (s *Server) progressRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /q", s.progressPage)
	m.HandleFunc("GET /api/v1/public/progress", s.progressJSON)
}

// Progress is GET /api/v1/public/progress?c=CODE: a ticket's live state,
// without personal data.
type Progress struct {
	Number    string `json:"number"`
	Service   string `json:"service"`
	ServiceEN string `json:"service_en,omitempty"`
	// Where is where to wait: the service's area and its window range.
	Where   string `json:"where"`
	WhereEN string `json:"where_en,omitempty"`
	// State is the engine state, or "pending" for an offline ticket that
	// has not reached the hall yet.
	State   string `json:"state"`
	Window  int    `json:"window,omitempty"`
	Ahead   int    `json:"ahead"`
	WaitMin int    `json:"est_wait_min"`
	// Message is the line in large type: "请到 19 号窗口", "前面还有 3 人".
	Message   string    `json:"message"`
	MessageEN string    `json:"message_en"`
	CanRate   bool      `json:"can_rate"`
	Rated     bool      `json:"rated"`
	Updated   time.Time `json:"updated"`
}

// progressError is a code the page cannot show a ticket for.
type progressError struct {
	Status      int
	Code        string // malformed, forged, expired, unknown
	Title, Text string
	TextEN      string
}

func (e *progressError) Error() string { return "hallapi: progress: " + e.Code }

var (
	errProgressMalformed = &progressError{http.StatusBadRequest, "malformed", "无法识别的二维码",
		"这不是本大厅排队小票上的二维码。请扫描小票上的二维码，或到服务台咨询。",
		"This is not the QR code of a queue ticket of this hall."}
	errProgressForged = &progressError{http.StatusForbidden, "forged", "二维码无效",
		"二维码校验未通过，可能被改动或伪造。请以打印的小票为准，或到服务台咨询。",
		"The code failed its check: it was altered or forged."}
	errProgressExpired = &progressError{http.StatusGone, "expired", "二维码已过期",
		"这张小票已过期（排队号仅当日有效）。如需办理，请重新取号。",
		"This ticket has expired (numbers are valid on their day only)."}
	errProgressUnknown = &progressError{http.StatusNotFound, "unknown", "未找到这张小票",
		"大厅没有这张小票的记录。请以打印的小票为准，或到服务台咨询。",
		"The hall has no record of this ticket."}
)

// claimsKeyID reads the key id from a code's claims without trusting them
// (the signature is checked next, with that key).
func claimsKeyID(code string) (string, bool) {
	if !strings.HasPrefix(code, codesign.Prefix) || len(code) > codesign.MaxLen {
		return "", false
	}
	body := code[len(codesign.Prefix):]
	dot := strings.IndexByte(body, '.')
	if dot < 0 {
		return "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(body[:dot])
	if err != nil {
		return "", false
	}
	var c struct {
		KeyID string `json:"kid"`
	}
	if json.Unmarshal(raw, &c) != nil || c.KeyID == "" {
		return "", false
	}
	return c.KeyID, true
}

// verifyTicketCode checks a code (bare or inside a URL) and returns its claims.
func (s *Server) verifyTicketCode(ctx context.Context, text string) (*codesign.Claims, error) {
	code, ok := codesign.Extract(text)
	if !ok {
		return nil, errProgressMalformed
	}
	kid, ok := claimsKeyID(code)
	if !ok {
		return nil, errProgressMalformed
	}
	keys := s.ticketKeys()
	if keys == nil {
		return nil, errProgressUnknown
	}
	pub, ok := keys(ctx, kid)
	if !ok {
		// Not signed by this hall nor by a kiosk it enrolled.
		return nil, errProgressForged
	}
	c, err := codesign.NewVerifier(map[string]ed25519.PublicKey{kid: pub}).Verify(code, s.now())
	switch {
	case errors.Is(err, codesign.ErrExpired):
		return nil, errProgressExpired
	case errors.Is(err, codesign.ErrSignature), errors.Is(err, codesign.ErrUnknownKey), errors.Is(err, codesign.ErrNotYet):
		return nil, errProgressForged
	case err != nil:
		return nil, errProgressMalformed
	}
	if c.Kind != "ticket" {
		return nil, errProgressMalformed
	}
	return c, nil
}

// ticketOfClaims finds the ticket a verified code names: by the hall's
// ticket id, or (offline tickets, whose code carries the kiosk's own
// reference) by the number's service, day and number. It returns nil
// without an error for a signed ticket that has not reached the hall yet.
func (s *Server) ticketOfClaims(ctx context.Context, c *codesign.Claims) (*engine.Ticket, error) {
	label, svc := c.Fields["n"], c.Fields["s"]
	var ids []string
	if id := c.Fields["id"]; id != "" && !strings.Contains(id, ":") {
		ids = append(ids, id)
	}
	if n, ok := labelNumber(label); ok && svc != "" {
		day := c.IssuedAt().In(s.e.Location()).Format("20060102")
		ids = append(ids, day+"-"+svc+"-"+strconv.Itoa(n))
	}
	for _, id := range ids {
		t, err := s.e.Ticket(ctx, id)
		if engine.CodeOf(err) == engine.CodeNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		if t.Label != label || t.IssueService != svc && t.Service != svc && !slices.Contains(t.Services, svc) {
			continue // a signed code never names another ticket
		}
		return t, nil
	}
	return nil, nil
}

// labelNumber returns the digits at the end of a ticket label (A105 → 105).
func labelNumber(label string) (int, bool) {
	i := len(label)
	for i > 0 && label[i-1] >= '0' && label[i-1] <= '9' {
		i--
	}
	if i == len(label) {
		return 0, false
	}
	n, err := strconv.Atoi(label[i:])
	return n, err == nil
}

// WhereToWait describes where a service's citizens wait: its area (zone)
// and the windows of that area that serve it, e.g. "税务 · 19–33 号窗口".
func WhereToWait(cat *catalog.Catalog, serviceID string) (zh, en string) {
	var parts, partsEN []string
	if z, ok := cat.ZoneOf(serviceID); ok {
		parts = append(parts, z.Name)
		if z.NameEN != "" {
			partsEN = append(partsEN, z.NameEN)
		}
	}
	if r := catalog.WindowRange(cat.WaitWindows(serviceID)); r != "" {
		parts = append(parts, r+" 号窗口")
		partsEN = append(partsEN, "windows "+r)
	}
	return strings.Join(parts, " · "), strings.Join(partsEN, " · ")
}

// progressOf builds the page's data for a verified code.
func (s *Server) progressOf(ctx context.Context, text string) (*Progress, error) {
	c, err := s.verifyTicketCode(ctx, text)
	if err != nil {
		return nil, err
	}
	t, err := s.ticketOfClaims(ctx, c)
	if err != nil {
		return nil, err
	}
	cat := s.e.Catalog()
	svcID := c.Fields["s"]
	if t != nil {
		svcID = t.Service
	}
	p := &Progress{Number: c.Fields["n"], Updated: s.now()}
	if sv, ok := cat.Service(svcID); ok {
		p.Service, p.ServiceEN = sv.Name, sv.NameEN
	} else if t == nil {
		return nil, errProgressUnknown
	}
	p.Where, p.WhereEN = WhereToWait(cat, svcID)
	if t == nil {
		// Signed by a kiosk of this hall but not here yet: a ticket issued
		// while the link was down; it arrives when the kiosk syncs.
		if c.Fields["id"] == "" || !strings.Contains(c.Fields["id"], ":") {
			return nil, errProgressUnknown
		}
		p.State = "pending"
		p.Message, p.MessageEN = "已取号，排队信息正在同步，请稍候", "Ticket taken; the queue information is on its way"
		return p, nil
	}
	p.State, p.Window = string(t.State), t.Window
	p.Rated = t.Rating > 0
	switch t.State {
	case engine.StateWaiting:
		p.Ahead, p.WaitMin = t.Ahead, t.WaitMin
		if t.TargetWindow > 0 {
			p.Where = fmt.Sprintf("%d 号窗口", t.TargetWindow)
			p.WhereEN = fmt.Sprintf("window %d", t.TargetWindow)
		}
		if p.Ahead == 0 {
			p.Message, p.MessageEN = "下一位就是您，请留意叫号", "You are next: listen for your number"
		} else {
			p.Message = fmt.Sprintf("前面还有 %d 人", p.Ahead)
			p.MessageEN = fmt.Sprintf("%d ahead of you", p.Ahead)
		}
	case engine.StateCalled:
		p.Message = fmt.Sprintf("请到 %d 号窗口", t.Window)
		p.MessageEN = fmt.Sprintf("Please go to window %d", t.Window)
	case engine.StateServing:
		p.Message = fmt.Sprintf("正在 %d 号窗口办理", t.Window)
		p.MessageEN = fmt.Sprintf("Being served at window %d", t.Window)
	case engine.StateDone:
		p.CanRate = !p.Rated
		if p.Rated {
			p.Message, p.MessageEN = "已办结，感谢您的评价", "Done. Thank you for your rating"
		} else {
			p.Message, p.MessageEN = "已办结，请为本次服务评价", "Done. Please rate the service"
		}
	case engine.StateParked:
		p.Message, p.MessageEN = "已过号，请到原窗口重新排队", "Missed: please return to the window to queue again"
	case engine.StateCancelled:
		p.Message, p.MessageEN = "此号已取消", "This ticket was cancelled"
	case engine.StateVoid:
		p.Message, p.MessageEN = "此号已作废（未打印成功）", "This ticket was voided"
	case engine.StateExpired:
		p.Message, p.MessageEN = "此号已过期（当日未办理）", "This ticket expired at the end of its day"
	default:
		p.Message, p.MessageEN = string(t.State), string(t.State)
	}
	return p, nil
}

func (s *Server) progressJSON(w http.ResponseWriter, r *http.Request) {
	p, err := s.progressOf(r.Context(), r.URL.Query().Get("c"))
	var pe *progressError
	switch {
	case errors.As(err, &pe):
		writeErr(w, pe.Status, pe.Code, pe.Title)
	case err != nil:
		s.fail(w, r, err)
	default:
		writeJSON(w, http.StatusOK, p)
	}
}

func (s *Server) progressPage(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("c")
	p, err := s.progressOf(r.Context(), code)
	data := progressView{Hall: s.e.Catalog().Hall.Name, P: p, Code: code, PollMS: ProgressPollInterval.Milliseconds()}
	status := http.StatusOK
	var pe *progressError
	switch {
	case errors.As(err, &pe):
		data.Err, status = pe, pe.Status
		data.Code = ""
	case err != nil:
		s.log.Error("hallapi: progress page", "err", err)
		data.Err, status = &progressError{http.StatusServiceUnavailable, "unavailable", "暂时无法查询",
			"大厅系统暂时无法查询，请稍后再试。", "The hall cannot answer right now."}, http.StatusServiceUnavailable
		data.Code = ""
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	if err := progressTmpl.Execute(w, data); err != nil {
		s.log.Warn("hallapi: progress page", "err", err)
	}
}

type progressView struct {
	Hall   string
	P      *Progress
	Err    *progressError
	Code   string
	PollMS int64
}

// RateReasons are the reasons the rating form offers (GB/T 39735 style).
var RateReasons = []string{"等候时间长", "办事流程繁琐", "一次性告知不到位", "服务态度不好", "材料要求不清楚", "系统或设备问题"}

var progressTmpl = template.Must(template.New("progress").Funcs(template.FuncMap{"reasons": func() []string { return RateReasons }}).Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>排队进度 · {{.Hall}}</title>
<style>
*{box-sizing:border-box}
body{margin:0;font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;background:#f3f5f8;color:#1b2430;font-size:17px;line-height:1.5}
header{background:#0b5394;color:#fff;padding:12px 16px;font-size:18px;font-weight:bold}
.card{background:#fff;border-radius:12px;margin:12px;padding:16px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
.num{font-size:64px;font-weight:bold;text-align:center;letter-spacing:2px;color:#0b5394;line-height:1.1}
.svc{text-align:center;font-size:20px;margin-top:4px}
.en{color:#5b6470;font-size:14px}
.state{font-size:26px;font-weight:bold;text-align:center;padding:14px 8px;border-radius:10px;background:#eef4fb}
.state.called{background:#fde68a;color:#7c2d12}
.state.done{background:#dcfce7;color:#14532d}
.state.bad{background:#fee2e2;color:#7f1d1d}
dl{display:grid;grid-template-columns:auto 1fr;gap:6px 12px;margin:0}
dt{color:#5b6470}dd{margin:0;font-weight:bold;overflow-wrap:anywhere}
.err h1{font-size:24px;margin:0 0 8px;color:#7f1d1d}
.lv{display:grid;grid-template-columns:repeat(5,1fr);gap:6px;margin:10px 0}
.lv button,.send{font:inherit;min-height:48px;border-radius:8px;border:1px solid #8aa;background:#fff;padding:4px}
.lv button.on{background:#0b5394;color:#fff;border-color:#0b5394}
.send{width:100%;background:#0b5394;color:#fff;border-color:#0b5394;font-size:18px}
.send:disabled{opacity:.45}
label.r{display:inline-block;margin:4px 8px 4px 0}
textarea{width:100%;font:inherit;min-height:70px;border:1px solid #99a;border-radius:8px;padding:8px}
.msg{min-height:1.4em;font-weight:bold;color:#b91c1c}.msg.ok{color:#15803d}
.hidden{display:none!important}
footer{text-align:center;color:#5b6470;font-size:13px;padding:8px 12px 24px}
</style></head><body>
<header>{{.Hall}} · 排队进度 <span class="en">Queue progress</span></header>
{{if .Err}}
<div class="card err" id="error" data-code="{{.Err.Code}}">
<h1 id="errTitle">{{.Err.Title}}</h1>
<p id="errText">{{.Err.Text}}</p>
<p class="en">{{.Err.TextEN}}</p>
</div>
{{else}}
<div class="card">
<div class="num" id="number">{{.P.Number}}</div>
<div class="svc" id="service">{{.P.Service}}</div>
<div class="svc en" id="serviceEN">{{.P.ServiceEN}}</div>
</div>
<div class="card">
<div class="state {{.P.State}}" id="state" data-state="{{.P.State}}">{{.P.Message}}</div>
<div class="en" id="stateEN" style="text-align:center;margin-top:6px">{{.P.MessageEN}}</div>
</div>
<div class="card"><dl>
<dt>等候区域</dt><dd id="where">{{.P.Where}}</dd>
<dt>前面等候</dt><dd id="ahead">{{if eq .P.State "waiting"}}{{.P.Ahead}} 人{{else}}—{{end}}</dd>
<dt>预计等待</dt><dd id="wait">{{if eq .P.State "waiting"}}约 {{.P.WaitMin}} 分钟{{else}}—{{end}}</dd>
</dl></div>
<div class="card{{if not .P.CanRate}} hidden{{end}}" id="rate">
<div style="font-weight:bold">好差评 · 请为本次服务评价</div>
<div class="lv" id="levels">
<button type="button" data-level="5">非常满意</button><button type="button" data-level="4">满意</button><button type="button" data-level="3">基本满意</button><button type="button" data-level="2">不满意</button><button type="button" data-level="1">非常不满意</button>
</div>
<div id="reasons">{{range reasons}}<label class="r"><input type="checkbox" value="{{.}}"> {{.}}</label>{{end}}</div>
<textarea id="text" maxlength="500" placeholder="意见或建议（选填，请勿填写个人信息）"></textarea>
<button type="button" class="send" id="send" disabled>提交评价</button>
<div class="msg" id="rateMsg"></div>
</div>
<footer>页面自动更新 · <span id="updated">{{.P.Updated.Format "15:04:05"}}</span></footer>
<script>
(function(){
var code={{.Code}}, poll={{.PollMS}}, level=0, sent=false;
function $(id){return document.getElementById(id)}
function show(p){
  $('number').textContent=p.number; $('service').textContent=p.service; $('serviceEN').textContent=p.service_en||'';
  var st=$('state'); st.textContent=p.message; st.className='state '+p.state; st.dataset.state=p.state;
  $('stateEN').textContent=p.message_en||'';
  $('where').textContent=p.where;
  $('ahead').textContent=p.state==='waiting'?p.ahead+' 人':'—';
  $('wait').textContent=p.state==='waiting'?'约 '+p.est_wait_min+' 分钟':'—';
  $('rate').classList.toggle('hidden',!(p.can_rate||sent));
  var d=new Date(p.updated); $('updated').textContent=d.toLocaleTimeString('zh-CN',{hour12:false});
}
function tick(){
  fetch('/api/v1/public/progress?c='+encodeURIComponent(code),{cache:'no-store'}).then(function(r){
    return r.json().then(function(j){ if(r.ok){show(j)} else if(j.error){var st=$('state');st.textContent=j.error.message;st.className='state bad';st.dataset.state=j.error.code} });
  }).catch(function(){}).then(function(){setTimeout(tick,poll)});
}
setTimeout(tick,poll);
document.querySelectorAll('#levels button').forEach(function(b){b.addEventListener('click',function(){
  level=+b.dataset.level; document.querySelectorAll('#levels button').forEach(function(x){x.classList.toggle('on',x===b)});
  $('send').disabled=sent;
})});
$('send').addEventListener('click',function(){
  if(!level||sent)return;
  var reasons=[].map.call(document.querySelectorAll('#reasons input:checked'),function(x){return x.value});
  $('send').disabled=true; $('rateMsg').className='msg'; $('rateMsg').textContent='正在提交…';
  fetch('/api/v1/public/rate',{method:'POST',headers:{'Content-Type':'application/json'},
    body:JSON.stringify({code:code,level:level,reasons:reasons,text:$('text').value})}).then(function(r){
    if(r.ok){sent=true;$('rateMsg').className='msg ok';$('rateMsg').textContent='感谢您的评价';return}
    return r.json().then(function(j){throw new Error(j&&j.error&&j.error.message||('提交失败（'+r.status+'）'))},function(){throw new Error('提交失败（'+r.status+'）')});
  }).catch(function(e){$('rateMsg').textContent=e.message||'提交失败，请稍后再试';$('send').disabled=false});
});
})();
</script>
{{end}}
</body></html>
`))

// ticketOfCode is the default Config.TicketCodes: a code signed by the hall
// or by a kiosk it enrolled (the keys the progress page trusts) names the
// ticket it was printed for; without such keys only the hall's own codes
// are accepted. The ratings routes and the public ticket view use it, so a
// ticket that the progress page shows can be rated there too.
func (s *Server) ticketOfCode(code string) (string, error) {
	if s.ticketKeys() == nil {
		return s.e.VerifyTicketCode(code)
	}
	ctx := context.Background()
	c, err := s.verifyTicketCode(ctx, code)
	if err != nil {
		return "", err
	}
	t, err := s.ticketOfClaims(ctx, c)
	if err != nil {
		return "", err
	}
	if t == nil {
		return "", errProgressUnknown
	}
	return t.ID, nil
}
