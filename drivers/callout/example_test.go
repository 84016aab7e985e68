package callout_test

import (
	"fmt"

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
