package adapters

import (
	"context"
	"fmt"

	"hallkiosk/drivers/idcard"
	"hallkiosk/kiosk/flow"
)

// CardReader reads resident ID cards (and residence permits) for the flow.
type CardReader struct{ Dev *idcard.Dev }

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
	out := flow.Citizen{Name: name, IDNumber: c.IDNumber}
	*c = idcard.Card{}
	return out, nil
}
