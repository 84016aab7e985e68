package sync

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Limits on what the hall accepts. Requests beyond them are refused whole.
const (
	// MaxBatchEvents is the most events one push may carry.
	MaxBatchEvents = 2000
	// MaxBodyBytes bounds any request body.
	MaxBodyBytes = 4 << 20
	// MaxPayloadBytes bounds one event's payload.
	MaxPayloadBytes = 16 << 10
)

// Event kinds a kiosk sends. The hall refuses kinds it does not know.
const (
	KindTicketIssued  = "ticket.issued"  // a number was taken from a lease and a ticket written
	KindTicketPrinted = "ticket.printed" // the printer confirmed the ticket: it is live
	KindTicketVoided  = "ticket.voided"  // printing failed; the number is burnt, never reused
	KindEvaluation    = "evaluation"     // a 好差评 rating
	KindHealth        = "device.health"  // device health report
	KindAudit         = "audit"          // audit entry
	// KindTicketConfirmed: the kiosk printed a ticket the hall issued
	// reserved (online) but could not tell the hall at once; payload
	// ConfirmPayload. The hall makes the reservation wait.
	KindTicketConfirmed = "ticket.confirmed"
)

var knownKinds = map[string]bool{
	KindTicketIssued: true, KindTicketPrinted: true, KindTicketVoided: true,
	KindEvaluation: true, KindHealth: true, KindAudit: true, KindTicketConfirmed: true,
}

// KnownKind reports whether the hall accepts events of kind k.
func KnownKind(k string) bool { return knownKinds[k] }

// Event is one outbox entry. (Device, Seq) is its idempotency key; Seq
// counts from 1 without gaps on each device.
type Event struct {
	Seq     uint64          `json:"seq"`
	HLC     HLC             `json:"hlc"`
	Kind    string          `json:"kind"`
	Payload json.RawMessage `json:"payload"`
}

// TicketPayload is the payload of ticket.issued, ticket.printed and
// ticket.voided events.
type TicketPayload struct {
	Service string `json:"service"` // service id, e.g. "A"
	Day     string `json:"day"`     // hall day, YYYY-MM-DD in the hall's zone
	Number  int    `json:"number"`  // number within service and day
	Label   string `json:"label,omitempty"`
	Lease   string `json:"lease,omitempty"` // "lease" or "overflow"
	// Replaces (ticket.issued) is the idempotency key of the online
	// reservation this offline ticket replaces: the kiosk's issue reply
	// was lost and it fell back to its lease. The hall lapses it.
	Replaces string `json:"replaces,omitempty"`
}

// ConfirmPayload is the payload of ticket.confirmed: the hall ticket id
// and the idempotency key of the reservation the kiosk printed.
type ConfirmPayload struct {
	TicketID string `json:"ticket_id,omitempty"`
	Key      string `json:"key,omitempty"`
}

// PushRequest is the body of POST push.
type PushRequest struct {
	Device string  `json:"device"`
	Events []Event `json:"events"`
}

// PushResponse acknowledges a push.
type PushResponse struct {
	// Acked is the highest sequence such that the hall holds every event
	// 1..Acked of the device.
	Acked      uint64 `json:"acked"`
	Applied    int    `json:"applied"`
	Duplicates int    `json:"duplicates"`
	// Gap is set when the batch did not continue at Acked+1; events after
	// the gap were not applied.
	Gap bool `json:"gap,omitempty"`
}

// Versioned is a document the hall versions: catalogue, config, notices.
type Versioned struct {
	Version int64           `json:"version"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// LeaseWant asks for numbers of one service on one day.
type LeaseWant struct {
	Service string `json:"service"`
	Day     string `json:"day"`
	// HaveMaxLo is the highest lease start the kiosk holds for this
	// service and day (0 for none). A hall that granted a later lease
	// resends it instead of granting another, so lost responses waste
	// nothing.
	HaveMaxLo int `json:"have_max_lo"`
	Remaining int `json:"remaining"`
}

// LeaseRelease reports a block the kiosk cut short: it will never issue
// the numbers From..hi of its block of Service on Day starting at Lo. The
// kiosk repeats every release of the day in each pull; the hall applies
// them idempotently.
type LeaseRelease struct {
	Service string `json:"service"`
	Day     string `json:"day"`
	Lo      int    `json:"lo"`
	From    int    `json:"from"`
}

// Lease is a block of numbers [Lo, Hi] of a service, valid on Day only.
type Lease struct {
	Service string `json:"service"`
	Day     string `json:"day"`
	Lo      int    `json:"lo"`
	Hi      int    `json:"hi"`
}

// PullRequest is the body of POST pull: what the kiosk has and needs, and
// its own state for the hall's device list.
type PullRequest struct {
	Device   string          `json:"device"`
	Have     Versions        `json:"have"`
	Want     []LeaseWant     `json:"want,omitempty"`
	Released []LeaseRelease  `json:"released,omitempty"`
	Pending  int             `json:"pending"`
	Software string          `json:"software,omitempty"`
	Health   json.RawMessage `json:"health,omitempty"`
}

// Versions names the document versions a kiosk holds.
type Versions struct {
	Catalog int64 `json:"catalog"`
	Config  int64 `json:"config"`
	Notices int64 `json:"notices"`
}

// PullResponse carries what changed. Documents are present only when the
// kiosk's version differs.
type PullResponse struct {
	HallTime int64      `json:"hall_time"` // unix ms
	Day      string     `json:"day"`
	Catalog  *Versioned `json:"catalog,omitempty"`
	Config   *Versioned `json:"config,omitempty"`
	Notices  *Versioned `json:"notices,omitempty"`
	Leases   []Lease    `json:"leases,omitempty"`
	// Release names blocks the hall's own numbers are about to reach: the
	// kiosk hands back what it has not used of them (and reports that in
	// Released); a replacement block ahead is in Leases.
	Release []Lease         `json:"release,omitempty"`
	Status  json.RawMessage `json:"status,omitempty"`
	Revoked bool            `json:"revoked,omitempty"`
}

// EnrolRequest is the body of POST enrol, the only write accepted without
// a device signature; it is authorised by the one-time code and signed by
// the new key (proof of possession).
type EnrolRequest struct {
	Code      string `json:"code"`
	Device    string `json:"device"`
	PublicKey []byte `json:"public_key"` // ed25519, 32 bytes
	Name      string `json:"name,omitempty"`
	Software  string `json:"software,omitempty"`
}

// EnrolResponse confirms an enrolment.
type EnrolResponse struct {
	Device   string `json:"device"`
	Index    int    `json:"index"` // 1..MaxDevices, selects the overflow range
	HallTime int64  `json:"hall_time"`
	HallName string `json:"hall_name,omitempty"`
}

// TimeResponse is the body of GET time (read-only, unauthenticated).
type TimeResponse struct {
	HallTime int64  `json:"hall_time"` // unix ms
	Zone     string `json:"zone"`
	Day      string `json:"day"`
}

// ErrorResponse is a refusal's code and message. On the wire the hall
// writes it in the one documented format {"error":{"code","message"}}
// (internal/httpjson); halls before that wrote it flat, {"code","message"}.
// DecodeError reads both.
type ErrorResponse struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// DecodeError reads a refusal's body: the documented {"error":{...}} form,
// or the flat {"code","message"} of an older hall. ok is false when the
// body is neither.
func DecodeError(body []byte) (e ErrorResponse, ok bool) {
	var doc struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Detail  string `json:"detail"`
		} `json:"error"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return e, false
	}
	if doc.Error != nil && doc.Error.Code != "" {
		e.Code, e.Message = doc.Error.Code, doc.Error.Message
		if e.Message == "" {
			e.Message = doc.Error.Detail
		}
		return e, true
	}
	if doc.Code != "" {
		return ErrorResponse{Code: doc.Code, Message: doc.Message}, true
	}
	return e, false
}

// Error codes in ErrorResponse.Code.
const (
	CodeUnauthenticated = "unauthenticated"
	CodeBadSignature    = "bad_signature"
	CodeReplay          = "replay"
	CodeClockSkew       = "clock_skew"
	CodeRevoked         = "revoked"
	CodeUnknownDevice   = "unknown_device"
	CodeWrongDevice     = "wrong_device"
	CodeTooLarge        = "too_large"
	CodeMalformed       = "malformed"
	CodeInvalid         = "invalid"
	CodeBadCode         = "bad_enrolment_code"
	CodeConflict        = "conflict"
	CodeInternal        = "internal"
	CodeNotFound        = "not_found"
)

// deviceIDRe is the form of device ids: "k-" and 16 hex digits of the
// public key hash (DeviceID).
var deviceIDRe = regexp.MustCompile(`^k-[0-9a-f]{16}$`)

var dayRe = regexp.MustCompile(`^20[0-9]{2}-[01][0-9]-[0-3][0-9]$`)
var serviceRe = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,40}$`)

// errInvalid marks validation failures of decoded requests.
var errInvalid = errors.New("sync: invalid request")

// decodeStrict decodes one JSON value from b into v, refusing unknown
// fields and trailing data.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("sync: malformed json: %w", err)
	}
	if dec.More() {
		return errors.New("sync: malformed json: trailing data")
	}
	return nil
}

// DecodePush decodes and validates a push body. It never panics on any
// input; errors wrap errInvalid for well-formed JSON that breaks a rule.
func DecodePush(b []byte) (*PushRequest, error) {
	var p PushRequest
	if err := decodeStrict(b, &p); err != nil {
		return nil, err
	}
	if !deviceIDRe.MatchString(p.Device) {
		return nil, fmt.Errorf("%w: bad device id", errInvalid)
	}
	if len(p.Events) > MaxBatchEvents {
		return nil, fmt.Errorf("%w: %d events in one batch, at most %d", errInvalid, len(p.Events), MaxBatchEvents)
	}
	for i := range p.Events {
		e := &p.Events[i]
		if e.Seq == 0 {
			return nil, fmt.Errorf("%w: event %d: seq must start at 1", errInvalid, i)
		}
		if i > 0 && e.Seq <= p.Events[i-1].Seq {
			return nil, fmt.Errorf("%w: event %d: seq %d not increasing", errInvalid, i, e.Seq)
		}
		if !KnownKind(e.Kind) {
			return nil, fmt.Errorf("%w: event seq %d: unknown kind %q", errInvalid, e.Seq, e.Kind)
		}
		if len(e.Payload) > MaxPayloadBytes {
			return nil, fmt.Errorf("%w: event seq %d: payload of %d bytes", errInvalid, e.Seq, len(e.Payload))
		}
		if len(e.Payload) == 0 || e.Payload[0] != '{' {
			return nil, fmt.Errorf("%w: event seq %d: payload must be an object", errInvalid, e.Seq)
		}
		if e.HLC.Wall() <= 0 {
			return nil, fmt.Errorf("%w: event seq %d: no timestamp", errInvalid, e.Seq)
		}
		if isTicketKind(e.Kind) {
			var t TicketPayload
			if err := json.Unmarshal(e.Payload, &t); err != nil {
				return nil, fmt.Errorf("%w: event seq %d: ticket payload: %v", errInvalid, e.Seq, err)
			}
			if err := t.validate(); err != nil {
				return nil, fmt.Errorf("%w: event seq %d: %v", errInvalid, e.Seq, err)
			}
		}
	}
	return &p, nil
}

func isTicketKind(k string) bool {
	return k == KindTicketIssued || k == KindTicketPrinted || k == KindTicketVoided
}

func (t *TicketPayload) validate() error {
	if !serviceRe.MatchString(t.Service) {
		return errors.New("bad service id")
	}
	if !dayRe.MatchString(t.Day) {
		return errors.New("bad day")
	}
	if _, err := time.Parse(time.DateOnly, t.Day); err != nil {
		return errors.New("bad day")
	}
	if t.Number < 1 || t.Number > NumberMax {
		return fmt.Errorf("number %d out of range", t.Number)
	}
	return nil
}

// DecodePull decodes and validates a pull body.
func DecodePull(b []byte) (*PullRequest, error) {
	var p PullRequest
	if err := decodeStrict(b, &p); err != nil {
		return nil, err
	}
	if !deviceIDRe.MatchString(p.Device) {
		return nil, fmt.Errorf("%w: bad device id", errInvalid)
	}
	if len(p.Want) > 64 {
		return nil, fmt.Errorf("%w: %d lease wants, at most 64", errInvalid, len(p.Want))
	}
	for _, w := range p.Want {
		if !serviceRe.MatchString(w.Service) || !dayRe.MatchString(w.Day) || w.HaveMaxLo < 0 || w.HaveMaxLo > NumberMax {
			return nil, fmt.Errorf("%w: bad lease want", errInvalid)
		}
	}
	if len(p.Health) > MaxPayloadBytes || len(p.Software) > 64 || p.Pending < 0 {
		return nil, fmt.Errorf("%w: bad device state", errInvalid)
	}
	if len(p.Health) > 0 && !json.Valid(p.Health) {
		return nil, fmt.Errorf("%w: health is not json", errInvalid)
	}
	return &p, nil
}

// DecodeEnrol decodes and validates an enrolment body.
func DecodeEnrol(b []byte) (*EnrolRequest, error) {
	var p EnrolRequest
	if err := decodeStrict(b, &p); err != nil {
		return nil, err
	}
	if len(p.PublicKey) != 32 {
		return nil, fmt.Errorf("%w: public key must be 32 bytes", errInvalid)
	}
	if p.Device != DeviceID(p.PublicKey) {
		return nil, fmt.Errorf("%w: device id does not match the key", errInvalid)
	}
	if len(p.Code) == 0 || len(p.Code) > 64 || len(p.Name) > 64 || len(p.Software) > 64 {
		return nil, fmt.Errorf("%w: bad field length", errInvalid)
	}
	return &p, nil
}
