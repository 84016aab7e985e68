package hall

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"hallkiosk/drivers/callout"
	"hallkiosk/drivers/display"
	"hallkiosk/drivers/serialport"
	"hallkiosk/drivers/voice"
	"hallkiosk/internal/config"
)

// DisplayConfig is the [display] section of the hall server's and the
// township box's configuration file (deploy/*.conf.example document every key).
// Empty ports mean no displays; the hall works without them.
type DisplayConfig struct {
	// BoardPort is the hall board's serial port (a path or
	// usb:VID:PID[:SERIAL]); empty: no board.
	BoardPort     string `ini:"board_port"`
	BoardProtocol string `ini:"board_protocol"` // line or framed
	BoardBaud     int    `ini:"board_baud"`
	// BoardRows are the board's row addresses, top row first (decimal or
	// 0x hex).
	BoardRows []string `ini:"board_rows"`
	// StripPort is the window strips' bus; it may be BoardPort (one bus).
	// Empty: no strips.
	StripPort     string `ini:"strip_port"`
	StripProtocol string `ini:"strip_protocol"`
	StripBaud     int    `ini:"strip_baud"`
	// Windows maps window numbers to strip addresses: "auto" (window n at
	// address n, for n up to 254 and not a board row on the same bus) or
	// window:address pairs such as 1:0x01, 2:0x02.
	Windows []string `ini:"windows"`
	// Encoding of Chinese text: gb18030, gb2312 or ascii.
	Encoding string `ini:"encoding"`
	// Gap is the least time between two commands on one bus.
	Gap time.Duration `ini:"gap"`
	// Brightness 1..15 is sent to every display at start and after a
	// reconnect; 0 leaves the displays' own setting.
	Brightness int `ini:"brightness"`
	// IdleClock shows the time on a strip whose number is this old; 0:
	// never. Each clock write holds the strips' bus for one gap (one strip
	// every 2 s), and a call that comes just then waits for it.
	IdleClock time.Duration `ini:"idle_clock"`
	// BoardNames shows the catalogue's window name on the board row
	// (请A001号到19号窗口 税务登记与申报; a rename on /admin shows from the
	// next call on); false: the window's number only.
	BoardNames bool `ini:"board_names"`
}

// DefaultDisplayConfig returns the defaults: no displays.
func DefaultDisplayConfig() DisplayConfig {
	return DisplayConfig{
		BoardProtocol: "framed", BoardBaud: 9600, BoardRows: []string{"0xC8", "0xC9", "0xCA", "0xCB"},
		StripProtocol: "line", StripBaud: 9600, Windows: []string{"auto"},
		Encoding: "gb18030", Gap: display.DefaultGap,
	}
}

// VoiceConfig is the [voice] section: the call announcements.
type VoiceConfig struct {
	// Output is none, soundcard or wav:DIR (one WAV file per announcement).
	Output string `ini:"output"`
	// Language is zh, en or both (Mandarin, then English).
	Language string `ini:"language"`
	// Repeat is how many times a call is said; RecallRepeat the same for a
	// recall (0: as Repeat).
	Repeat       int `ini:"repeat"`
	RecallRepeat int `ini:"recall_repeat"`
	// Volume in percent, 1..100.
	Volume int `ini:"volume"`
	// QuietHours "HH:MM-HH:MM" (local time, may wrap past midnight) plays
	// at QuietVolume percent (0: silent); empty: none.
	QuietHours  string `ini:"quiet_hours"`
	QuietVolume int    `ini:"quiet_volume"`
	// MaxWait: an announcement that waited longer is said once, without
	// its repeats (never dropped); 0: never.
	MaxWait time.Duration `ini:"max_wait"`
	// BacklogLimit: while more announcements than this wait for one
	// output, repeats (and the second language) are skipped until it
	// catches up; every call is still said once, in order. Logged once per
	// burst, reported by GET /api/v1/callout and /metrics. 0: the default
	// (voice.DefaultBacklog), -1: never skip.
	BacklogLimit int `ini:"backlog_limit"`
	// Zones are voice zones: zone=output pairs, the zone being the
	// catalogue's zone id and the output none, soundcard,
	// soundcard:NAME (the output whose name contains NAME) or wav:DIR.
	// A call is announced on its window's zone output; windows of zones
	// not listed use Output.
	Zones []string `ini:"zones"`
}

// DefaultVoiceConfig returns the defaults: no sound output.
func DefaultVoiceConfig() VoiceConfig {
	return VoiceConfig{Output: "none", Language: "zh", Repeat: 2, Volume: 100, QuietVolume: 30, MaxWait: time.Minute,
		BacklogLimit: voice.DefaultBacklog}
}

// zoneOutput is one parsed voice.zones entry.
type zoneOutput struct{ zone, output string }

func validOutput(o string, zone bool) bool {
	switch {
	case o == "none", o == "soundcard":
		return true
	case zone && strings.HasPrefix(o, "soundcard:") && len(o) > len("soundcard:"):
		return true
	case strings.HasPrefix(o, "wav:") && len(o) > 4:
		return true
	}
	return false
}

func (c VoiceConfig) zones(section string) ([]zoneOutput, error) {
	var out []zoneOutput
	for _, pair := range c.Zones {
		z, o, ok := strings.Cut(pair, "=")
		z, o = strings.TrimSpace(z), strings.TrimSpace(o)
		if !ok || z == "" || !validOutput(o, true) {
			return nil, keyErr(section, "zones", "want zone=output pairs (output none, soundcard, soundcard:NAME or wav:DIR), not %q", pair)
		}
		if slices.ContainsFunc(out, func(x zoneOutput) bool { return x.zone == z }) {
			return nil, keyErr(section, "zones", "zone %s twice", z)
		}
		out = append(out, zoneOutput{z, o})
	}
	return out, nil
}

func keyErr(section, key, format string, args ...any) error {
	return &config.Error{Key: section + "." + key, Msg: fmt.Sprintf(format, args...)}
}

// Validate checks the section; errors are *config.Error naming
// section.key.
func (c DisplayConfig) Validate(section string) error {
	_, err := c.plan(section)
	return err
}

// plan is a checked DisplayConfig.
type plan struct {
	board, strip   []byte // board row addresses; strip addresses by window in windows
	windows        []int
	enc            display.Encoding
	shared         bool // one bus for board and strips
	boardP, stripP string
}

func parseAddr(s string) (byte, error) {
	n, err := strconv.ParseUint(s, 0, 8)
	if err != nil || n > 254 {
		return 0, fmt.Errorf("address %q: want 0..254 (decimal or 0x hex)", s)
	}
	return byte(n), nil
}

func (c DisplayConfig) plan(section string) (*plan, error) {
	p := &plan{}
	var err error
	if p.enc, err = display.ParseEncoding(c.Encoding); err != nil {
		return nil, keyErr(section, "encoding", "want gb18030, gb2312 or ascii, not %q", c.Encoding)
	}
	for _, k := range []struct{ key, v string }{{"board_protocol", c.BoardProtocol}, {"strip_protocol", c.StripProtocol}} {
		if k.v != "line" && k.v != "framed" {
			return nil, keyErr(section, k.key, "want line or framed, not %q", k.v)
		}
	}
	for _, k := range []struct {
		key string
		v   int
	}{{"board_baud", c.BoardBaud}, {"strip_baud", c.StripBaud}} {
		if !slices.Contains([]int{1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200}, k.v) {
			return nil, keyErr(section, k.key, "want a standard rate such as 9600, not %d", k.v)
		}
	}
	if c.Gap < 0 || c.Gap > 5*time.Second {
		return nil, keyErr(section, "gap", "want 0..5s")
	}
	if c.Brightness < 0 || c.Brightness > display.MaxBrightness {
		return nil, keyErr(section, "brightness", "want 0 (leave) or 1..%d", display.MaxBrightness)
	}
	if c.IdleClock != 0 && c.IdleClock < 10*time.Second {
		return nil, keyErr(section, "idle_clock", "want 0 (never) or at least 10s")
	}
	for _, port := range []struct{ key, v string }{{"board_port", c.BoardPort}, {"strip_port", c.StripPort}} {
		if port.v != "" {
			if _, err := serialport.ParseSpec(port.v, 9600); err != nil {
				return nil, keyErr(section, port.key, "%v", err)
			}
		}
	}
	p.boardP, p.stripP = c.BoardPort, c.StripPort
	p.shared = c.BoardPort != "" && c.BoardPort == c.StripPort
	if p.shared && (c.BoardProtocol != c.StripProtocol || c.BoardBaud != c.StripBaud) {
		return nil, keyErr(section, "strip_protocol", "the board and the strips share %s: protocol and baud must match", c.StripPort)
	}
	if c.BoardPort != "" {
		if len(c.BoardRows) == 0 {
			return nil, keyErr(section, "board_rows", "want at least one row address")
		}
		for _, r := range c.BoardRows {
			a, err := parseAddr(r)
			if err != nil {
				return nil, keyErr(section, "board_rows", "%v", err)
			}
			if slices.Contains(p.board, a) {
				return nil, keyErr(section, "board_rows", "address %d twice", a)
			}
			p.board = append(p.board, a)
		}
	}
	if c.StripPort == "" {
		return p, nil
	}
	if len(c.Windows) == 1 && c.Windows[0] == "auto" {
		for n := 1; n <= 254; n++ {
			if p.shared && slices.Contains(p.board, byte(n)) {
				continue
			}
			p.windows, p.strip = append(p.windows, n), append(p.strip, byte(n))
		}
		return p, nil
	}
	if len(c.Windows) == 0 {
		return nil, keyErr(section, "windows", "want auto or window:address pairs")
	}
	pairs, err := parseWindowAddrs(c.Windows, voice.MaxWindow, 0, 254)
	if err != nil {
		return nil, keyErr(section, "windows", "%v", err)
	}
	for _, x := range pairs {
		if p.shared && slices.Contains(p.board, x.addr) {
			return nil, keyErr(section, "windows", "address %d used twice on one bus", x.addr)
		}
		p.windows, p.strip = append(p.windows, x.window), append(p.strip, x.addr)
	}
	return p, nil
}

// Validate checks the section; errors are *config.Error naming
// section.key.
func (c VoiceConfig) Validate(section string) error {
	_, _, err := c.parse(section)
	return err
}

func (c VoiceConfig) parse(section string) ([]voice.Lang, voice.QuietHours, error) {
	var q voice.QuietHours
	if !validOutput(c.Output, false) {
		return nil, q, keyErr(section, "output", "want none, soundcard or wav:DIR, not %q", c.Output)
	}
	if c.BacklogLimit < -1 || c.BacklogLimit > 1000 {
		return nil, q, keyErr(section, "backlog_limit", "want -1 (never skip), 0 (default) or 1..1000")
	}
	if _, err := c.zones(section); err != nil {
		return nil, q, err
	}
	var langs []voice.Lang
	switch c.Language {
	case "zh":
		langs = []voice.Lang{voice.Mandarin}
	case "en":
		langs = []voice.Lang{voice.English}
	case "both":
		langs = []voice.Lang{voice.Mandarin, voice.English}
	default:
		return nil, q, keyErr(section, "language", "want zh, en or both, not %q", c.Language)
	}
	if c.Repeat < 1 || c.Repeat > 5 {
		return nil, q, keyErr(section, "repeat", "want 1..5")
	}
	if c.RecallRepeat < 0 || c.RecallRepeat > 5 {
		return nil, q, keyErr(section, "recall_repeat", "want 0 (as repeat) or 1..5")
	}
	if c.Volume < 1 || c.Volume > 100 {
		return nil, q, keyErr(section, "volume", "want 1..100")
	}
	if c.QuietVolume < 0 || c.QuietVolume > 100 {
		return nil, q, keyErr(section, "quiet_volume", "want 0..100")
	}
	if c.QuietHours != "" {
		from, to, ok := strings.Cut(c.QuietHours, "-")
		f, err1 := clock(from)
		t, err2 := clock(to)
		if !ok || err1 != nil || err2 != nil || f == t {
			return nil, q, keyErr(section, "quiet_hours", "want HH:MM-HH:MM, e.g. 12:00-14:00, not %q", c.QuietHours)
		}
		q = voice.QuietHours{From: f, To: t, Volume: c.QuietVolume}
	}
	return langs, q, nil
}

func clock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// setupOpts is what openSetup needs besides the configuration.
type setupOpts struct {
	// Log gets the hub's and the ports' events; nil means slog.Default.
	Log *slog.Logger
	// Soundcard opens the sound output for output = soundcard (device
	// "") and a zone's soundcard:NAME (device NAME); the caller links the
	// sound card driver. Nil or a failure leaves that output silent,
	// logged.
	Soundcard func(device string) (voice.Sink, func() error, error)
	// WindowZones maps window numbers to their catalogue zone ids, for
	// voice.zones.
	WindowZones map[int]string
	// WrapSink, if set, wraps the voice sink (tests and benchmarks time the
	// first sample with it).
	WrapSink func(voice.Sink) voice.Sink
	// Now is the clock for quiet hours; nil means time.Now.
	Now func() time.Time
	// Windows are the hall's window numbers (the catalogue's): with
	// windows = auto only these get a strip, so the idle clock is not sent
	// to addresses where nothing hangs. Nil: 1..254.
	Windows []int
}

// setup is a configured call-out: the Hub with its display buses, which
// reconnect by themselves, and its voice outputs.
type setup struct {
	// Hub takes the events; setup.Run runs it.
	Hub *callout.Hub

	enabled    bool // a display or a voice output is configured
	log        *slog.Logger
	conns      []*serialport.Conn
	brightness int
	mgr        *display.Manager
	closers    []func() error
}

// openSetup sets up the displays and the voice as configured. Ports are
// opened in the background (serialport.Dial): a display that is missing
// now is picked up when it appears, and calls never wait for it.
func openSetup(dc DisplayConfig, vc VoiceConfig, o setupOpts) (*setup, error) {
	p, err := dc.plan("display")
	if err != nil {
		return nil, err
	}
	langs, quiet, err := vc.parse("voice")
	if err != nil {
		return nil, err
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	s := &setup{log: o.Log, brightness: dc.Brightness}
	gap := dc.Gap
	if gap == 0 {
		gap = -1 // no pacing
	}
	codec := func(name string) display.Codec {
		if name == "framed" {
			return display.NewFramed(p.enc)
		}
		return display.NewLine(p.enc)
	}
	bus := func(name, port, proto string, baud int) (*display.Dev, error) {
		spec, err := serialport.ParseSpec(port, baud)
		if err != nil {
			return nil, err
		}
		c := serialport.Dial(spec, &serialport.ConnOpts{Log: o.Log.With("device", name)})
		s.conns = append(s.conns, c)
		s.closers = append(s.closers, c.Close)
		return display.New(c, &display.Opts{Codec: codec(proto), Gap: gap})
	}
	mo := display.ManagerOpts{IdleAfter: dc.IdleClock}
	var boardDev *display.Dev
	if p.boardP != "" {
		if boardDev, err = bus("display-board", p.boardP, dc.BoardProtocol, dc.BoardBaud); err != nil {
			s.Close()
			return nil, err
		}
		for _, a := range p.board {
			mo.Board = append(mo.Board, display.Target{Dev: boardDev, Addr: a})
		}
	}
	if p.stripP != "" {
		stripDev := boardDev
		if !p.shared {
			if stripDev, err = bus("display-strips", p.stripP, dc.StripProtocol, dc.StripBaud); err != nil {
				s.Close()
				return nil, err
			}
		}
		mo.Windows = map[int]display.Target{}
		auto := len(dc.Windows) == 1 && dc.Windows[0] == "auto"
		for i, w := range p.windows {
			if auto && o.Windows != nil && !slices.Contains(o.Windows, w) {
				continue
			}
			mo.Windows[w] = display.Target{Dev: stripDev, Addr: p.strip[i]}
		}
	}
	ho := &callout.Opts{Log: o.Log, Repeat: vc.Repeat, RecallRepeat: vc.RecallRepeat, Languages: langs, BoardNames: dc.BoardNames}
	if p.boardP != "" || p.stripP != "" {
		s.mgr = display.NewManager(mo)
		ho.Display = s.mgr
	}
	zones, err := vc.zones("voice")
	if err != nil {
		s.Close()
		return nil, err
	}
	backlog := vc.BacklogLimit
	if backlog == 0 {
		backlog = voice.DefaultBacklog
	}
	// announcer opens one output and its announcer; nil: silent.
	announcer := func(output, what string) (*voice.Announcer, error) {
		var sink voice.Sink
		switch {
		case output == "none":
		case strings.HasPrefix(output, "soundcard") && o.Soundcard == nil:
			o.Log.Warn("callout: no sound card driver in this program; announcements off", "voice", what)
		case strings.HasPrefix(output, "soundcard"):
			card, closeCard, err := o.Soundcard(strings.TrimPrefix(strings.TrimPrefix(output, "soundcard"), ":"))
			if err != nil {
				o.Log.Warn("callout: sound output not available; announcements off, displays go on", "voice", what, "err", err)
				break
			}
			sink = card
			s.closers = append(s.closers, closeCard)
		case strings.HasPrefix(output, "wav:"):
			sink = &voice.WAVDir{Dir: strings.TrimPrefix(output, "wav:")}
		}
		if sink == nil {
			return nil, nil
		}
		if o.WrapSink != nil {
			sink = o.WrapSink(sink)
		}
		return voice.NewAnnouncer(&voice.Opts{Sink: sink, Volume: vc.Volume, Quiet: quiet, MaxWait: vc.MaxWait,
			Backlog: backlog, Now: o.Now, Log: o.Log.With("voice", what)})
	}
	if ho.Voice, err = announcer(vc.Output, "main"); err != nil {
		s.Close()
		return nil, err
	}
	for _, z := range zones {
		a, err := announcer(z.output, z.zone)
		if err != nil {
			s.Close()
			return nil, err
		}
		zone := callout.Zone{Name: z.zone, Voice: a}
		for w, id := range o.WindowZones {
			if id == z.zone {
				zone.Windows = append(zone.Windows, w)
			}
		}
		slices.Sort(zone.Windows)
		if a == nil {
			// A silent zone stays silent rather than using the main output.
			zone.Voice = nil
		}
		ho.Zones = append(ho.Zones, zone)
	}
	s.enabled = ho.Display != nil || ho.Voice != nil || slices.ContainsFunc(ho.Zones, func(z callout.Zone) bool { return z.Voice != nil })
	s.Hub = callout.New(ho)
	return s, nil
}

// Enabled reports whether anything is configured (a display or a voice
// output).
func (s *setup) Enabled() bool { return s.enabled }

// Run runs the hub until ctx ends, and sends the configured brightness to
// the displays whenever a bus (re)connects.
func (s *setup) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	if s.brightness > 0 && s.mgr != nil {
		wg.Go(func() { s.keepBrightness(ctx) })
	}
	err := s.Hub.Run(ctx)
	wg.Wait()
	return err
}

func (s *setup) keepBrightness(ctx context.Context) {
	seen := make([]int, len(s.conns)) // reconnect count last applied, -1 never
	for i := range seen {
		seen[i] = -1
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		apply := false
		for i, c := range s.conns {
			h := c.Health()
			if h.Connected && h.Reconnects != seen[i] {
				seen[i], apply = h.Reconnects, true
			}
		}
		if apply {
			if err := s.mgr.SetBrightness(s.brightness); err != nil {
				s.log.Warn("callout: brightness not set", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Health returns the display buses' connection states.
func (s *setup) Health() []serialport.Health {
	var out []serialport.Health
	for _, c := range s.conns {
		out = append(out, c.Health())
	}
	return out
}

// Close closes the ports and the sound output. Call it after Run returned.
func (s *setup) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	s.closers = nil
	return errors.Join(errs...)
}
