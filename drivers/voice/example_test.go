package voice_test

import (
	"fmt"

	"hallkiosk/drivers/voice"
)

func ExampleWords() {
	w, _ := voice.Words(voice.Announcement{Number: "A001", Window: 12})
	fmt.Println(w)
	// Output: [zh/qing3 letter/A zh/ling2 zh/ling2 zh/yi1 zh/hao4 zh/dao4 zh/shi2 zh/er4 zh/hao4 zh/chuang1 zh/kou3 zh/ban4 zh/li3]
}
