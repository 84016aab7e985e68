package sync

import (
	"context"
	"crypto/ed25519"
)

// DeviceKey returns the public key of an enrolled, not revoked device: the
// key its signed requests and its signed ticket codes are checked with (the
// hall's ticket progress page verifies kiosk-printed QR codes with it).
func (h *HallSync) DeviceKey(ctx context.Context, id string) (ed25519.PublicKey, bool) {
	d, err := h.loadDevice(ctx, id)
	if err != nil || d.revoked || len(d.pub) != ed25519.PublicKeySize {
		return nil, false
	}
	return d.pub, true
}
