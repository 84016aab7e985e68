package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"hallkiosk/drivers/idcard/idcardsim"
	"hallkiosk/drivers/serialtest"
)

// startIDCardSim runs a simulated reader on a pty and returns it and the
// port path.
func startIDCardSim(t *testing.T) (*idcardsim.Sim, string) {
	t.Helper()
	p, err := serialtest.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	s := idcardsim.New(0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx, p.Master) }()
	t.Cleanup(func() { cancel(); p.Close(); <-done })
	return s, p.SlavePath
}

func TestIDCardReadJSON(t *testing.T) {
	s, path := startIDCardSim(t)
	ctx := context.Background()
	for _, tc := range []struct {
		card   string
		reveal bool
		want   string
	}{
		{"resident1", false, `{"card_type":"resident","name":"李**","sex":"female","nation":"汉","birth":"1990-03-07","address":"甘肃省玉门市新市区人民路12号","id_number":"6209**********0021","id_number_valid":true,"authority":"玉门市公安局","valid_from":"2015-06-01","valid_to":"2035-06-01"}`},
		{"resident2", true, `{"card_type":"resident","name":"马建国","sex":"male","nation":"回","birth":"1960-11-20","address":"甘肃省玉门市玉门镇建设路88号3单元201室","id_number":"62098219601120003X","id_number_valid":true,"authority":"玉门市公安局","valid_from":"2010-01-01","valid_to":"long-term"}`},
		{"hkmotw1", true, `{"card_type":"hkmotw_permit","name":"陈家明","sex":"male","birth":"1985-08-15","address":"甘肃省酒泉市肃州区西大街5号","id_number":"810000198508150016","id_number_valid":true,"authority":"酒泉市公安局","valid_from":"2022-09-01","valid_to":"2027-09-01","pass_number":"H12345678","issue_count":1}`},
		{"foreign2017", true, `{"card_type":"foreign_permanent_2017","name":"约翰","name_en":"SMITH, JOHN JAMES","sex":"male","nationality":"GBR","birth":"1985-06-15","id_number":"GBR628506150012","id_number_valid":true,"authority":"6200","valid_from":"2018-05-01","valid_to":"2028-05-01"}`},
		{"foreign2023", false, `{"card_type":"foreign_permanent_2023","name":"玛**","name_en":"G**","sex":"female","nationality":"ESP","birth":"1992-03-04","id_number":"9627**********0025","id_number_valid":true,"valid_from":"2024-02-01","valid_to":"2034-02-01"}`},
		{"badid1", true, `{"card_type":"resident","name":"赵错号","sex":"female","nation":"汉","birth":"1990-03-07","address":"甘肃省玉门市新市区人民路14号","id_number":"620982199003070025","id_number_valid":false,"authority":"玉门市公安局","valid_from":"2015-06-01","valid_to":"2035-06-01"}`},
	} {
		s.Place(tc.card)
		args := []string{"idcard", "read", "--port", path, "--json"}
		if tc.reveal {
			args = append(args, "--reveal")
		}
		var out, errb bytes.Buffer
		if err := run(ctx, args, &out, &errb); err != nil {
			t.Fatal(tc.card, err, errb.String())
		}
		if got := strings.TrimSpace(out.String()); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.card, got, tc.want)
		}
		var m map[string]any
		if err := json.Unmarshal(out.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
	}
}

func TestIDCardReadText(t *testing.T) {
	s, path := startIDCardSim(t)
	s.Place("resident2")
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"idcard", "read", "--port", path}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"马**", "6209**********003X", "long-term", "photo(1024 bytes)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "马建国") {
		t.Error("name not masked")
	}
	out.Reset()
	if err := run(context.Background(), []string{"idcard", "sam", "--port", path}, &out, &errb); err != nil || !strings.HasPrefix(out.String(), "05.01-") {
		t.Fatal(err, out.String())
	}
}

func TestIDCardReadErrors(t *testing.T) {
	s, path := startIDCardSim(t)
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"idcard", "read", "--port", path, "--timeout", "300ms"}, &out, &errb)
	if err == nil || err.Error() != "idcard read: no card on the reader" {
		t.Fatalf("no card: %v", err)
	}
	s.SetMode(idcardsim.Silent)
	s.Place("resident1")
	err = run(context.Background(), []string{"idcard", "read", "--port", path, "--timeout", "1s"}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("silent reader: %v", err)
	}
	err = run(context.Background(), []string{"idcard", "read", "--port", "/nonexistent/tty"}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("bad port: %v", err)
	}
	if out.Len() != 0 {
		t.Fatalf("output on error: %q", out.String())
	}
}
