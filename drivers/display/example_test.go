package display_test

import (
	"fmt"

	"hallkiosk/drivers/display"
)

func Example() {
	b, _ := display.NewFramed(display.GB2312).Encode(display.Command{Op: display.OpText, Addr: 3, Text: "请A001"})
	fmt.Printf("% x\n", b)
	// Output: ff 68 08 08 68 03 01 c7 eb 41 30 30 31 88 16
}
