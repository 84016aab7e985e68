package adapters

import (
	"context"
	"fmt"
	"time"

	"hallkiosk/drivers/idcard"
	"hallkiosk/kiosk/flow"
)

// CardReader reads resident ID cards (and residence permits) for the flow.
// Loc is the hall's zone for the card's validity date (nil: China
// Standard Time); Now the clock (nil: time.Now).
type CardReader struct {
	Dev *idcard.Dev
	Loc *time.Location
	Now func() time.Time
}

var _ flow.CardReader = CardReader{}

// ReadCard polls the reader until a card is read or ctx ends, and keeps only
// the name and ID number; the rest of the card (address, photo) is dropped
// at once.
func (r CardReader) ReadCard(ctx context.Context) (flow.Citizen, error) {
	c, err := r.Dev.WaitCard(ctx)
	if err != nil {
		return flow.Citizen{}, fmt.Errorf("adapters: id card: %w", err)
	}
	name := c.Name
	if name == "" {
		name = c.NameEN
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	loc := r.Loc
	if loc == nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	// The driver flags an expired card and a number failing GB 11643; the
	// flow refuses both for real-name tickets.
	out := flow.Citizen{Name: name, IDNumber: c.IDNumber, Expired: c.Expired(now().In(loc)), InvalidNumber: !c.IDNumberValid}
	*c = idcard.Card{}
	return out, nil
}
