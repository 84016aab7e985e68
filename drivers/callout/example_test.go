package callout_test

import (
	"context"
	"fmt"
	"time"

	"hallkiosk/drivers/callout"
)

func ExampleRender() {
	c := callout.Render(callout.Event{Kind: callout.Call, Number: "A001", Window: 3}, callout.Opts{Repeat: 2})
	fmt.Println(c.Strip)
	fmt.Println(c.BoardPush)
	fmt.Printf("%+v\n", c.Say[0])
	// Output:
	// A001
	// 请A001号到3号窗口
	// {Number:A001 Window:3 Lang:zh Repeat:2 Optional:false}
}

func ExampleKindFromEngine() {
	for _, name := range []string{"call", "recall", "transfer", "no_show", "finish", "issue"} {
		k, ok := callout.KindFromEngine(name)
		fmt.Println(name, k, ok)
	}
	// Output:
	// call call true
	// recall recall true
	// transfer leave true
	// no_show noshow true
	// finish finish true
	// issue kind(0) false
}

// ExampleOpen sets up the board and the strips on two RS-485 adapters and
// the voice on a WAV directory, as the hall server does from its
// configuration file, and publishes a call.
func ExampleOpen() {
	dc := callout.DefaultDisplayConfig()
	dc.BoardPort, dc.StripPort = "/dev/ttyUSB2", "/dev/ttyUSB3" // reopened by themselves if absent
	vc := callout.DefaultVoiceConfig()
	vc.Output = "wav:/var/lib/hallserver/voice"
	s, err := callout.Open(dc, vc, callout.SetupOpts{})
	if err != nil {
		fmt.Println(err) // names the bad key, e.g. display.windows
		return
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	go s.Hub.Publish(callout.Event{Kind: callout.Call, Number: "A001", Window: 3, At: time.Now()})
	s.Run(ctx)
}
