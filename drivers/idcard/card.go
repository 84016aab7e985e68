package idcard

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"hallkiosk/internal/pii"
)

// CardType tells which document a card is.
type CardType int

// Card types, told apart by byte 248 of the text block.
const (
	Resident             CardType = iota // 居民身份证
	HKMOTWPermit                         // J: 港澳台居民居住证
	ForeignPermanent2017                 // I: 外国人永久居留身份证 (2017)
	ForeignPermanent2023                 // Y: 外国人永久居留身份证 (2023)
)

// String returns the JSON name: resident, hkmotw_permit,
// foreign_permanent_2017 or foreign_permanent_2023.
func (t CardType) String() string {
	switch t {
	case Resident:
		return "resident"
	case HKMOTWPermit:
		return "hkmotw_permit"
	case ForeignPermanent2017:
		return "foreign_permanent_2017"
	case ForeignPermanent2023:
		return "foreign_permanent_2023"
	}
	return "card_type_" + strconv.Itoa(int(t))
}

// Sex is the holder's sex as coded on the card (GB/T 2261.1).
type Sex byte

// Sex codes.
const (
	SexUnknown  Sex = '0'
	Male        Sex = '1'
	Female      Sex = '2'
	SexUnstated Sex = '9'
)

// String returns male, female or unknown.
func (s Sex) String() string {
	switch s {
	case Male:
		return "male"
	case Female:
		return "female"
	}
	return "unknown"
}

// Photo is the card's WLT-compressed photo, kept as opaque bytes. It prints
// and logs as its size only.
type Photo []byte

// String describes the photo without its bytes.
func (p Photo) String() string { return fmt.Sprintf("photo(%d bytes)", len(p)) }

// GoString describes the photo without its bytes.
func (p Photo) GoString() string { return p.String() }

// LogValue logs the size only.
func (p Photo) LogValue() slog.Value { return slog.IntValue(len(p)) }

// Fingerprint is the card's fingerprint data (two templates of 512 bytes
// at most), kept as opaque bytes. It prints and logs as its size only.
type Fingerprint []byte

// String describes the data without its bytes.
func (f Fingerprint) String() string { return fmt.Sprintf("fingerprint(%d bytes)", len(f)) }

// GoString describes the data without its bytes.
func (f Fingerprint) GoString() string { return f.String() }

// LogValue logs the size only.
func (f Fingerprint) LogValue() slog.Value { return slog.IntValue(len(f)) }

// Card is what a reader reads from an identity card. It holds personal
// data: String, GoString, LogValue and MarshalJSON mask the name and ID
// number and leave out the address and photo; use Summary(true) to show
// them.
type Card struct {
	Type   CardType
	Name   string // Chinese name (all types; may be empty on an I card)
	NameEN string // English name (I, Y)
	Sex    Sex
	// NationCode is the GB 3304 code (resident cards), Nation its name.
	NationCode string
	Nation     string
	// Nationality is the GB/T 2659 three-letter code (I, Y).
	Nationality string
	Birth       Date
	Address     string // resident, J
	IDNumber    string
	// IDNumberValid reports the ID number check: GB 11643 (division, birth
	// date, check digit) and agreement with Birth for 18-character numbers;
	// form, nationality and birth date for the 15-character I card number.
	IDNumberValid bool
	Authority     string // issuing authority (resident, J) or its code (I)
	ValidFrom     Date
	ValidTo       Date
	LongTerm      bool   // valid to 长期 (no expiry); ValidTo is zero then
	PassNumber    string // J: 港澳台居民往来内地通行证 number
	IssueCount    int    // J: times issued
	RenewalCount  int    // Y: times renewed
	CardVersion   string // I
	PrevCardLink  string // Y: link to the previous card
	Photo         Photo
	Fingerprint   Fingerprint // only from ReadWithFingerprint; may be empty
}

// Expired reports whether the card is past its validity on the date of
// now (the last valid day is ValidTo itself). Long-term cards never
// expire; a card without a readable ValidTo counts as expired.
func (c *Card) Expired(now time.Time) bool {
	if c.LongTerm {
		return false
	}
	if c.ValidTo.IsZero() {
		return true
	}
	y, m, d := now.Date()
	return Date{y, m, d}.compact() > c.ValidTo.compact()
}

// String is a masked one-line description, safe for logs.
func (c *Card) String() string {
	if c == nil {
		return "<nil card>"
	}
	return fmt.Sprintf("%s card %s %s", c.Type, pii.MaskName(c.displayName()), pii.MaskID(c.IDNumber))
}

// GoString is the same as String, so %#v does not leak personal data.
func (c *Card) GoString() string { return c.String() }

// LogValue logs the card type, masked name and ID and the photo size.
func (c *Card) LogValue() slog.Value {
	if c == nil {
		return slog.StringValue("<nil card>")
	}
	return slog.GroupValue(
		slog.String("card_type", c.Type.String()),
		slog.String("masked_name", pii.MaskName(c.displayName())),
		slog.String("masked_id", pii.MaskID(c.IDNumber)),
		slog.Bool("id_number_valid", c.IDNumberValid),
		slog.Int("photo_bytes", len(c.Photo)),
	)
}

// MarshalJSON encodes the masked Summary without the address.
func (c *Card) MarshalJSON() ([]byte, error) {
	s := c.Summary(false)
	s.Address = ""
	return json.Marshal(s)
}

func (c *Card) displayName() string {
	if c.Name != "" {
		return c.Name
	}
	return c.NameEN
}

// Summary is the card as kioskctl prints it with --json. Fields a card
// type lacks are omitted.
type Summary struct {
	CardType      string `json:"card_type"`
	Name          string `json:"name,omitempty"`
	NameEN        string `json:"name_en,omitempty"`
	Sex           string `json:"sex"`
	Nation        string `json:"nation,omitempty"`
	Nationality   string `json:"nationality,omitempty"`
	Birth         string `json:"birth,omitempty"`
	Address       string `json:"address,omitempty"`
	IDNumber      string `json:"id_number"`
	IDNumberValid bool   `json:"id_number_valid"`
	Authority     string `json:"authority,omitempty"`
	ValidFrom     string `json:"valid_from,omitempty"`
	ValidTo       string `json:"valid_to,omitempty"`
	PassNumber    string `json:"pass_number,omitempty"`
	IssueCount    *int   `json:"issue_count,omitempty"`
}

// Summary returns the printable fields. Unless reveal is set, names and the
// ID number are masked (pii.MaskName, pii.MaskID).
func (c *Card) Summary(reveal bool) Summary {
	s := Summary{
		CardType:      c.Type.String(),
		Name:          c.Name,
		NameEN:        c.NameEN,
		Sex:           c.Sex.String(),
		Nation:        c.Nation,
		Nationality:   c.Nationality,
		Birth:         c.Birth.String(),
		Address:       c.Address,
		IDNumber:      c.IDNumber,
		IDNumberValid: c.IDNumberValid,
		Authority:     c.Authority,
		ValidFrom:     c.ValidFrom.String(),
		ValidTo:       c.ValidTo.String(),
		PassNumber:    c.PassNumber,
	}
	if c.LongTerm {
		s.ValidTo = "long-term"
	}
	if c.Type == HKMOTWPermit {
		n := c.IssueCount
		s.IssueCount = &n
	}
	if !reveal {
		s.Name = pii.MaskName(s.Name)
		s.NameEN = pii.MaskName(s.NameEN)
		s.IDNumber = pii.MaskID(s.IDNumber)
	}
	return s
}

// TextSize is the size of the card's text block.
const TextSize = 256

// field decodes n bytes of UCS-2 LE at off and trims the padding.
func field(b []byte, off, n int) string {
	return strings.Trim(rawField(b, off, n), " \x00")
}

func rawField(b []byte, off, n int) string {
	u := make([]uint16, n/2)
	for i := range u {
		u[i] = uint16(b[off+2*i]) | uint16(b[off+2*i+1])<<8
	}
	return string(utf16.Decode(u))
}

// DecodeText decodes the 256-byte text block of a card. Byte 248 tells the
// type (J, I, Y; anything else is a resident card). Layouts (length@offset,
// UCS-2 LE padded with spaces):
//
//	resident: name 30@0, sex 2@30, nation 4@32, birth 16@36, address 70@52,
//	          ID 36@122, authority 30@158, valid from 16@188, valid to 16@204
//	J:        as resident without nation; pass number 18@220, issue count 4@238
//	I:        English name 120@0, sex 2@120, ID 30@122, nationality 6@152,
//	          Chinese name 30@158, valid from 16@188, valid to 16@204,
//	          birth 16@220, card version 4@236, authority code 8@240
//	Y:        name 30@0, sex 2@30, renewal count 4@32, birth 16@36,
//	          English name 70@52 + 22@220, ID 36@122, valid from 16@188,
//	          valid to 16@204, nationality 6@242, previous card 6@250
//
// Dates are YYYYMMDD; a valid-to of 长期 sets LongTerm. Unparseable dates
// stay zero and make the ID check fail rather than the decode.
func DecodeText(b []byte) (*Card, error) {
	if len(b) != TextSize {
		return nil, fmt.Errorf("idcard: text block of %d bytes, want %d", len(b), TextSize)
	}
	c := &Card{}
	switch b[248] {
	case 'J':
		c.Type = HKMOTWPermit
	case 'I':
		c.Type = ForeignPermanent2017
	case 'Y':
		c.Type = ForeignPermanent2023
	}
	sex := func(off int) Sex {
		s := field(b, off, 2)
		if len(s) == 1 {
			return Sex(s[0])
		}
		return SexUnknown
	}
	date := func(off int) Date {
		d, _ := parseYMD(field(b, off, 16))
		return d
	}
	switch c.Type {
	case ForeignPermanent2017:
		c.NameEN = field(b, 0, 120)
		c.Sex = sex(120)
		c.IDNumber = field(b, 122, 30)
		c.Nationality = field(b, 152, 6)
		c.Name = field(b, 158, 30)
		c.Birth = date(220)
		c.CardVersion = field(b, 236, 4)
		c.Authority = field(b, 240, 8)
	case ForeignPermanent2023:
		c.Name = field(b, 0, 30)
		c.Sex = sex(30)
		c.RenewalCount, _ = strconv.Atoi(field(b, 32, 4))
		c.Birth = date(36)
		c.NameEN = strings.TrimRight(rawField(b, 52, 70)+rawField(b, 220, 22), " \x00")
		c.IDNumber = field(b, 122, 36)
		c.Nationality = field(b, 242, 6)
		c.PrevCardLink = field(b, 250, 6)
	default:
		c.Name = field(b, 0, 30)
		c.Sex = sex(30)
		c.Birth = date(36)
		c.Address = field(b, 52, 70)
		c.IDNumber = field(b, 122, 36)
		c.Authority = field(b, 158, 30)
		if c.Type == Resident {
			c.NationCode = field(b, 32, 4)
			c.Nation, _ = NationName(c.NationCode)
		} else {
			c.PassNumber = field(b, 220, 18)
			c.IssueCount, _ = strconv.Atoi(field(b, 238, 4))
		}
	}
	c.ValidFrom = date(188)
	if to := field(b, 204, 16); strings.HasPrefix(to, "长期") {
		c.LongTerm = true
	} else {
		c.ValidTo, _ = parseYMD(to)
	}
	c.IDNumberValid = c.checkID()
	return c, nil
}

func (c *Card) checkID() bool {
	if c.Type == ForeignPermanent2017 {
		return checkID2017(c.IDNumber, c.Nationality, c.Birth)
	}
	if CheckID(c.IDNumber) != nil {
		return false
	}
	if (c.Type == ForeignPermanent2023) != (c.IDNumber[0] == '9') {
		return false
	}
	return c.Birth.IsZero() || c.IDNumber[6:14] == c.Birth.compact()
}

// EncodeText builds the 256-byte text block for c, the inverse of
// DecodeText (used by simulators and tests). It fails if a field does not
// fit.
func EncodeText(c *Card) ([]byte, error) {
	b := make([]byte, TextSize)
	for i := 0; i < TextSize; i += 2 {
		b[i], b[i+1] = ' ', 0
	}
	var err error
	put := func(off, n int, s string) {
		u := utf16.Encode([]rune(s))
		if 2*len(u) > n {
			if err == nil {
				err = fmt.Errorf("idcard: field at %d: %d bytes do not fit in %d", off, 2*len(u), n)
			}
			return
		}
		for i, x := range u {
			b[off+2*i], b[off+2*i+1] = byte(x), byte(x>>8)
		}
	}
	sex := string(rune(c.Sex))
	if c.Sex == 0 {
		sex = "0"
	}
	to := c.ValidTo.compact()
	if c.LongTerm {
		to = "长期"
	}
	switch c.Type {
	case ForeignPermanent2017:
		put(0, 120, c.NameEN)
		put(120, 2, sex)
		put(122, 30, c.IDNumber)
		put(152, 6, c.Nationality)
		put(158, 30, c.Name)
		put(220, 16, c.Birth.compact())
		put(236, 4, c.CardVersion)
		put(240, 8, c.Authority)
		put(248, 2, "I")
	case ForeignPermanent2023:
		put(0, 30, c.Name)
		put(30, 2, sex)
		put(32, 4, fmt.Sprintf("%02d", c.RenewalCount))
		put(36, 16, c.Birth.compact())
		en := []rune(c.NameEN)
		if len(en) > 35 {
			put(52, 70, string(en[:35]))
			put(220, 22, string(en[35:]))
		} else {
			put(52, 70, c.NameEN)
		}
		put(122, 36, c.IDNumber)
		put(242, 6, c.Nationality)
		put(248, 2, "Y")
		put(250, 6, c.PrevCardLink)
	default:
		put(0, 30, c.Name)
		put(30, 2, sex)
		put(36, 16, c.Birth.compact())
		put(52, 70, c.Address)
		put(122, 36, c.IDNumber)
		put(158, 30, c.Authority)
		if c.Type == HKMOTWPermit {
			put(220, 18, c.PassNumber)
			put(238, 4, fmt.Sprintf("%02d", c.IssueCount))
			put(248, 2, "J")
		} else {
			put(32, 4, c.NationCode)
		}
	}
	put(188, 16, c.ValidFrom.compact())
	put(204, 16, to)
	if err != nil {
		return nil, err
	}
	return b, nil
}
