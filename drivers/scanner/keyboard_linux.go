package scanner

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// eviocgrab is EVIOCGRAB, _IOW('E', 0x90, int).
const eviocgrab = 0x40044590

// OpenKeyboard opens an evdev keyboard node (e.g.
// /dev/input/by-id/usb-XXXX-event-kbd) and grabs it, so its keystrokes
// reach only this process. Pass the file to NewKeyboard.
func OpenKeyboard(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("scanner: open keyboard: %w", err)
	}
	// Through SyscallConn, not Fd, so the file stays non-blocking and
	// Close wakes a pending Read.
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("scanner: grab %s: %w", path, err)
	}
	var gerr error
	if err := rc.Control(func(fd uintptr) { gerr = unix.IoctlSetInt(int(fd), eviocgrab, 1) }); err != nil {
		gerr = err
	}
	if gerr != nil {
		f.Close()
		return nil, fmt.Errorf("scanner: grab %s: %w", path, gerr)
	}
	return f, nil
}
