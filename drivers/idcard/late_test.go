package idcard_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"hallkiosk/drivers/idcard"
	"hallkiosk/drivers/idcard/idcardsim"
)

// latePort is a reader whose first select answer comes only after the
// driver has timed out, resent the select, had its answer and sent the
// read: the read then meets the late select answer before its own.
type latePort struct {
	mu      sync.Mutex
	out     []byte
	selects int
	text    []byte
}

func answer(sw3 idcard.Status, data ...byte) []byte {
	return idcard.Encode(append([]byte{0, 0, byte(sw3)}, data...))
}

func (p *latePort) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	payload, _, err := idcard.Split(b)
	if err != nil || len(payload) < 2 {
		return len(b), nil
	}
	sel := answer(idcard.StatusOK, make([]byte, 8)...)
	switch idcard.Command(uint16(payload[0])<<8 | uint16(payload[1])) {
	case idcard.CmdFind:
		p.out = append(p.out, answer(idcard.StatusFindOK, 0, 0, 0, 0)...)
	case idcard.CmdSelect:
		p.selects++
		if p.selects == 2 {
			p.out = append(p.out, sel...)
		}
	case idcard.CmdRead:
		p.out = append(p.out, sel...) // the first select's answer, late
		data := append([]byte{0x01, 0x00, 0x04, 0x00}, p.text...)
		data = append(data, idcardsim.PhotoBytes("resident1")...)
		p.out = append(p.out, answer(idcard.StatusOK, data...)...)
	}
	return len(b), nil
}

func (p *latePort) Read(b []byte) (int, error) {
	p.mu.Lock()
	n := copy(b, p.out)
	p.out = p.out[n:]
	p.mu.Unlock()
	if n == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	return n, nil
}

// TestLateAnswerSkipped: a select answer that arrives after its timeout is
// not taken for the read's answer (it was read as an empty card, and the
// card then stayed unread until laid again).
func TestLateAnswerSkipped(t *testing.T) {
	text, err := idcard.EncodeText(idcardsim.Cards["resident1"])
	if err != nil {
		t.Fatal(err)
	}
	p := &latePort{text: text}
	dev, err := idcard.New(p, &idcard.Opts{Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := dev.ReadCard(ctx)
	if err != nil {
		t.Fatalf("read after a late select answer: %v", err)
	}
	if c.IDNumber != idcardsim.Cards["resident1"].IDNumber {
		t.Fatalf("read %v", c)
	}
	if dev.Resyncs == 0 {
		t.Error("the late answer was not counted as a resync")
	}
}
