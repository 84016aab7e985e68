package idcard_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"hallkiosk/drivers/idcard"
	"hallkiosk/drivers/idcard/idcardsim"
	"hallkiosk/drivers/serialtest"
)

func frame(sw3 idcard.Status, data ...byte) []byte {
	return idcard.Encode(append([]byte{0, 0, byte(sw3)}, data...))
}

// TestPlaybackRead replays a whole card read with noise and a 7-byte read
// limit, checking the exact request bytes.
func TestPlaybackRead(t *testing.T) {
	text, _ := idcard.EncodeText(idcardsim.Cards["resident1"])
	data := append([]byte{0x01, 0x00, 0x04, 0x00}, text...)
	data = append(data, idcardsim.PhotoBytes("x")...)
	read := frame(idcard.StatusOK, data...)
	if len(read) != 1295 {
		t.Fatalf("read frame %d bytes", len(read))
	}
	p := &serialtest.Playback{MaxRead: 7, Ops: []serialtest.IO{
		{W: []byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x22}, R: append([]byte{0xFF, 0x00, 0xAA}, frame(idcard.StatusFindOK, 0, 0, 0, 0)...)},
		{W: []byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x02, 0x21}, R: frame(idcard.StatusOK, 0, 0, 0, 0, 0, 0, 0, 0)},
		{W: []byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x30, 0x01, 0x32}, R: read},
		{W: idcard.CmdFind.Request(), R: frame(idcard.StatusNoCard)},
	}}
	d, err := idcard.New(p, &idcard.Opts{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.ReadCard(context.Background())
	if err != nil || c.IDNumber != "620982199003070021" || c.Nation != "汉" || !c.IDNumberValid || len(c.Photo) != 1024 {
		t.Fatalf("%v %v", c, err)
	}
	if err := d.Find(context.Background()); !errors.Is(err, idcard.StatusNoCard) {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}
