package evaluator_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"hallkiosk/drivers/evaluator"
	"hallkiosk/drivers/evaluator/evaluatorsim"
	"hallkiosk/drivers/serialport"
	"hallkiosk/drivers/serialtest"
)

func TestFrame(t *testing.T) {
	b, err := evaluator.Encode(1, evaluator.CmdPrompt, append([]byte{30}, "请评价"...))
	want := []byte{0x55, 0xAA, 0x01, 0x01, 0x0A, 0x1E, 0xE8, 0xAF, 0xB7, 0xE8, 0xAF, 0x84, 0xE4, 0xBB, 0xB7, 0x17}
	if err != nil || !bytes.Equal(b, want) {
		t.Fatalf("% X %v", b, err)
	}
	in := append([]byte{0x00, 0x55, 0x13}, b...)
	f, n, err := evaluator.Split(in)
	if err != nil || n != len(in) || f.Addr != 1 || f.Cmd != 1 || string(f.Data[1:]) != "请评价" {
		t.Fatalf("%+v %d %v", f, n, err)
	}
	bad := bytes.Clone(b)
	bad[6] ^= 1
	if _, _, err := evaluator.Split(bad); !errors.Is(err, evaluator.ErrChecksum) {
		t.Fatal(err)
	}
	if _, _, err := evaluator.Split([]byte{0x55, 0xAA, 1, 1, 200}); !errors.Is(err, evaluator.ErrLength) {
		t.Fatal(err)
	}
	if _, err := evaluator.Encode(1, 1, make([]byte, 65)); err == nil {
		t.Fatal("oversized data encoded")
	}
}

func TestRatings(t *testing.T) {
	want := []string{"非常满意", "满意", "基本满意", "不满意", "非常不满意"}
	for i, w := range want {
		r := evaluator.Rating(i + 1)
		if r.String() != w || !r.Valid() {
			t.Errorf("%d: %s", i+1, r)
		}
	}
	if evaluator.Rating(6).Valid() || evaluator.NoRating.Valid() {
		t.Fatal("invalid rating valid")
	}
}

func TestPlaybackPromptPoll(t *testing.T) {
	enc := func(cmd byte, data ...byte) []byte { b, _ := evaluator.Encode(3, cmd, data); return b }
	p := &serialtest.Playback{MaxRead: 3, Ops: []serialtest.IO{
		{W: enc(evaluator.CmdPrompt, append([]byte{0}, "请评价"...)...), R: enc(0x81, 0)},
		{W: enc(evaluator.CmdPoll), R: enc(0x82, 0)},
		{W: enc(evaluator.CmdPoll), R: append([]byte{0xFF}, enc(0x82, 4)...)},
		{W: enc(evaluator.CmdIdle, []byte("谢谢")...), R: enc(0x83, 0)},
	}}
	d, err := evaluator.New(p, &evaluator.Opts{Addr: 3, Poll: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.Evaluate(context.Background(), "A012")
	if err != nil || res.Rating != evaluator.Dissatisfied || res.TicketID != "A012" || res.Label != "不满意" || res.Addr != 3 {
		t.Fatalf("%+v %v", res, err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

func busRig(t *testing.T, addrs ...byte) (*evaluatorsim.Sim, serialport.Port) {
	t.Helper()
	p, err := serialtest.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	sim := evaluatorsim.New(addrs...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sim.Run(ctx, p.Master) }()
	port, err := serialport.Open(p.SlavePath, 9600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); port.Close(); p.Close(); <-done })
	return sim, port
}

// pressWhenPrompted presses key on addr as soon as the pad prompts.
func pressWhenPrompted(sim *evaluatorsim.Sim, addr byte, key int) {
	go func() {
		for range 500 {
			if sim.Press(addr, key) == nil {
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
}

func TestEvaluateOverPTY(t *testing.T) {
	sim, port := busRig(t, 1, 2)
	ctx := context.Background()
	pad1, _ := evaluator.New(port, &evaluator.Opts{Addr: 1, Poll: 10 * time.Millisecond})
	pad2, _ := evaluator.New(port, &evaluator.Opts{Addr: 2, Poll: 10 * time.Millisecond})
	if info, err := pad2.Info(ctx); err != nil || info != evaluatorsim.Model {
		t.Fatal(info, err)
	}
	if err := sim.Press(1, 1); !errors.Is(err, evaluatorsim.ErrNotPrompting) {
		t.Fatalf("press on a dark pad: %v", err)
	}
	// Two windows on one bus, one after the other.
	pressWhenPrompted(sim, 2, 5)
	res, err := pad2.Evaluate(ctx, "B007")
	if err != nil || res.Rating != evaluator.VeryDissatisfied || res.TicketID != "B007" {
		t.Fatalf("%+v %v", res, err)
	}
	pressWhenPrompted(sim, 1, 2)
	sim.DropNext(2) // a noisy bus loses the prompt and its first resend
	res, err = pad1.Evaluate(ctx, "A101")
	if err != nil || res.Rating != evaluator.Satisfied || res.TicketID != "A101" {
		t.Fatalf("%+v %v", res, err)
	}
	pads := sim.Pads()
	if pads[0].Prompting || pads[0].Text != "谢谢" || pads[1].Ratings != 1 {
		t.Fatalf("%+v", pads)
	}

	// Nobody presses: ErrNoRating, and the pad goes dark.
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := pad1.Evaluate(cctx, "A102"); !errors.Is(err, evaluator.ErrNoRating) {
		t.Fatal(err)
	}
	if sim.Pads()[0].Prompting {
		t.Fatal("pad still prompting after the wait ended")
	}

	// A pad that is not on the bus.
	pad9, _ := evaluator.New(port, &evaluator.Opts{Addr: 9, Timeout: 30 * time.Millisecond})
	if err := pad9.Prompt(ctx, "", 0); !errors.Is(err, evaluator.ErrTimeout) {
		t.Fatal(err)
	}
}
