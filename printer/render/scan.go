package render

// Control bytes.
const (
	nul = 0x00
	eot = 0x04
	enq = 0x05
	ht  = 0x09
	lf  = 0x0A
	ff  = 0x0C
	cr  = 0x0D
	dle = 0x10
	dc4 = 0x14
	can = 0x18
	esc = 0x1B
	fs  = 0x1C
	gs  = 0x1D
)

// NextCommand returns the length of the ESC/POS command (or single text
// byte) at the start of b, or 0 when b holds only the beginning of one (or
// is empty). Unknown escape sequences count as two bytes (the escape and its
// function byte). Multi-byte characters are returned one byte at a time.
func NextCommand(b []byte) int {
	n, _ := commandLen(b)
	return n
}

// IsCut reports whether cmd (as delimited by NextCommand) cuts the paper.
func IsCut(cmd []byte) bool {
	if len(cmd) >= 3 && cmd[0] == gs && cmd[1] == 'V' {
		return true
	}
	return len(cmd) == 2 && cmd[0] == esc && (cmd[1] == 'i' || cmd[1] == 'm')
}

// IsStatusRequest reports whether cmd is a real-time status request
// DLE EOT n and returns n.
func IsStatusRequest(cmd []byte) (n byte, ok bool) {
	if len(cmd) == 3 && cmd[0] == dle && cmd[1] == eot {
		return cmd[2], true
	}
	return 0, false
}

// maxCommand bounds the length of one command; longer declared lengths
// are still honoured by commandLen (the bytes belong to the command) but
// callers buffering a stream may give up beyond it.
const maxCommand = 1 << 20

// commandLen returns the command length at b[0] and whether the command is
// known (false: skipped as unknown).
func commandLen(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, true
	}
	need := func(n int) int {
		if len(b) < n {
			return 0
		}
		return n
	}
	switch b[0] {
	case esc:
		if len(b) < 2 {
			return 0, true
		}
		switch b[1] {
		case '@', '<', 'i', 'm', '2':
			return 2, true
		case 'a', 'E', 'G', '-', 'd', 'J', '3', '!', 'M', 't', 'R', '{', ' ', 'U', 'e', 'r', 'S', 'V', 'T', '%', '?', '=', 'L', 'K', 'c':
			if b[1] == 'c' {
				return need(4), true // ESC c 3 n, ESC c 4 n, ESC c 5 n
			}
			return need(3), true
		case 'p':
			return need(5), true
		case '$', '\\':
			return need(4), true
		case 'D': // tab positions, NUL terminated, at most 32
			for i := 2; i < len(b) && i < 35; i++ {
				if b[i] == nul {
					return i + 1, true
				}
			}
			if len(b) >= 35 {
				return 34, true
			}
			return 0, true
		case '*':
			if len(b) < 5 {
				return 0, true
			}
			n := int(b[3]) | int(b[4])<<8
			if b[2] == 32 || b[2] == 33 {
				n *= 3
			}
			return need(5 + n), true
		case '&': // ESC & y c1 c2 [x d1..d(y*x)]...
			if len(b) < 5 {
				return 0, true
			}
			y, c1, c2 := int(b[2]), int(b[3]), int(b[4])
			i := 5
			for c := c1; c <= c2; c++ {
				if len(b) <= i {
					return 0, true
				}
				i += 1 + y*int(b[i])
			}
			return need(i), true
		}
		return 2, false
	case gs:
		if len(b) < 2 {
			return 0, true
		}
		switch b[1] {
		case '!', 'B', 'H', 'I', 'a', 'b', 'f', 'h', 'r', 'w', 'E', 'J', 'j', 'g':
			return need(3), true
		case 'L', 'W', 'P', '$', '\\', '^':
			return need(4), true
		case 'V':
			if len(b) < 3 {
				return 0, true
			}
			switch b[2] {
			case 0, 1, 48, 49:
				return 3, true
			}
			return need(4), true
		case '(':
			if len(b) < 5 {
				return 0, true
			}
			return need(5 + (int(b[3]) | int(b[4])<<8)), true
		case 'v':
			if len(b) < 8 {
				return 0, true
			}
			if b[2] != '0' {
				return 2, false
			}
			xb := int(b[4]) | int(b[5])<<8
			rows := int(b[6]) | int(b[7])<<8
			return need(8 + xb*rows), true
		case '*':
			if len(b) < 4 {
				return 0, true
			}
			return need(4 + int(b[2])*int(b[3])*8), true
		case 'k':
			if len(b) < 3 {
				return 0, true
			}
			if b[2] <= 6 {
				for i := 3; i < len(b) && i < 3+256; i++ {
					if b[i] == nul {
						return i + 1, true
					}
				}
				if len(b) >= 3+256 {
					return 3 + 256, true
				}
				return 0, true
			}
			if len(b) < 4 {
				return 0, true
			}
			return need(4 + int(b[3])), true
		case '8':
			if len(b) < 7 {
				return 0, true
			}
			n := int64(b[3]) | int64(b[4])<<8 | int64(b[5])<<16 | int64(b[6])<<24
			if n > maxCommand {
				n = maxCommand // skip what we can; the rest is read as text
			}
			return need(7 + int(n)), true
		case '/', ':':
			if b[1] == ':' {
				return 2, true
			}
			return need(3), true
		}
		return 2, false
	case fs:
		if len(b) < 2 {
			return 0, true
		}
		switch b[1] {
		case '&', '.':
			return 2, true
		case '!', '-', 'W', 'C', 'U', 'V':
			return need(3), true
		case 'S', 'p':
			return need(4), true
		case '2':
			return need(4 + 72), true
		}
		return 2, false
	case dle:
		if len(b) < 2 {
			return 0, true
		}
		switch b[1] {
		case eot, enq:
			return need(3), true
		case dc4:
			if len(b) < 3 {
				return 0, true
			}
			if b[2] == 8 {
				return need(10), true
			}
			return need(5), true
		}
		return 1, false
	}
	return 1, true
}
