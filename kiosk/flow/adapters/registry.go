package adapters

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"hallkiosk/kiosk/flow"
	"hallkiosk/queue/registry"
)

// RegistryLookup looks licences and certificates up in queue/registry: through
// the hall's registry API with an offline cache (Client, hall mode) or in a
// local registry database (Local, standalone).
type RegistryLookup struct {
	Client *registry.Client
	Local  *registry.Store
	Now    func() time.Time // for permit validity; nil: time.Now
}

var _ Registry = RegistryLookup{}

// permitNames are the Chinese names of the permit kinds a 一照通 licence carries.
var permitNames = map[string]string{
	registry.PermitFoodSale:   "食品经营许可（食品销售）",
	registry.PermitCatering:   "食品经营许可（餐饮服务）",
	registry.PermitDrugRetail: "药品经营许可（零售）",
}

func registryErr(what string, err error) error {
	if errors.Is(err, registry.ErrNotFound) {
		return fmt.Errorf("adapters: %s: %w: %w", what, flow.ErrNotFound, err)
	}
	return fmt.Errorf("adapters: %s: %w: %w", what, flow.ErrUnavailable, err)
}

func (r RegistryLookup) today() string {
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	return now.Format("2006-01-02")
}

// Licence returns a licence with the permits loaded on it.
func (r RegistryLookup) Licence(ctx context.Context, uscc string) (flow.Document, error) {
	var l *registry.Licence
	var ans registry.Answer
	var err error
	switch {
	case r.Client != nil:
		l, ans, err = r.Client.Licence(ctx, uscc)
	case r.Local != nil:
		l, err = r.Local.Licence(ctx, uscc)
	default:
		return flow.Document{}, fmt.Errorf("adapters: licence: no registry: %w", flow.ErrUnavailable)
	}
	if err != nil {
		return flow.Document{}, registryErr("licence", err)
	}
	d := flow.Document{Kind: flow.DocLicence, Title: l.Name, Fields: []flow.Field{{Label: "统一社会信用代码", Value: l.USCC}}}
	if l.Address != "" {
		d.Fields = append(d.Fields, flow.Field{Label: "住所", Value: l.Address})
	}
	if ans.Stale {
		d.Fields = append(d.Fields, flow.Field{Label: "数据时间", Value: ans.Fetched.Format("2006-01-02 15:04") + "（离线缓存）"})
	}
	today := r.today()
	for _, p := range l.Permits {
		name := permitNames[p.Kind]
		if name == "" {
			name = p.Kind
		}
		if p.Scope != "" {
			name += " · " + p.Scope
		}
		valid := "长期"
		if p.ValidTo != "" {
			valid = "有效期至 " + p.ValidTo
		}
		if !p.Valid(today) {
			valid += "（已失效）"
		}
		d.Permits = append(d.Permits, flow.Permit{Kind: name, Number: p.Number, Valid: valid})
	}
	return d, nil
}

// Property returns a real-estate certificate.
func (r RegistryLookup) Property(ctx context.Context, number string) (flow.Document, error) {
	var p *registry.Property
	var ans registry.Answer
	var err error
	switch {
	case r.Client != nil:
		p, ans, err = r.Client.Property(ctx, number)
	case r.Local != nil:
		p, err = r.Local.Property(ctx, number)
	default:
		return flow.Document{}, fmt.Errorf("adapters: certificate: no registry: %w", flow.ErrUnavailable)
	}
	if err != nil {
		return flow.Document{}, registryErr("certificate", err)
	}
	d := flow.Document{Kind: flow.DocProperty, Title: p.Number, Fields: []flow.Field{{Label: "坐落", Value: p.Location}}}
	if p.AreaM2 > 0 {
		d.Fields = append(d.Fields, flow.Field{Label: "面积", Value: strconv.FormatFloat(p.AreaM2, 'f', -1, 64) + " 平方米"})
	}
	if p.Usage != "" {
		d.Fields = append(d.Fields, flow.Field{Label: "用途", Value: p.Usage})
	}
	if p.Status != "" {
		d.Fields = append(d.Fields, flow.Field{Label: "状态", Value: p.Status})
	}
	if ans.Stale {
		d.Fields = append(d.Fields, flow.Field{Label: "数据时间", Value: ans.Fetched.Format("2006-01-02 15:04") + "（离线缓存）"})
	}
	return d, nil
}
