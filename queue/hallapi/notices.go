package hallapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"
)

// notice is one hall notice and its English text.
type notice struct {
	ZH string `json:"zh"`
	EN string `json:"en,omitempty"`
}

type noticeList []notice

// maxNotice bounds one notice's text (characters, each language).
const maxNotice = 200

// parseNotices reads a list of strings (Chinese only, the stored form of
// earlier versions) or of {"zh","en"} objects. Empty Chinese texts are
// refused; surrounding space is trimmed.
func parseNotices(b []byte) (noticeList, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(b, &items); err != nil {
		return nil, errors.New("notices: want a list of strings or of {\"zh\",\"en\"}")
	}
	out := make(noticeList, 0, len(items))
	for _, it := range items {
		var n notice
		if t := bytes.TrimSpace(it); len(t) > 0 && t[0] == '"' {
			if err := json.Unmarshal(t, &n.ZH); err != nil {
				return nil, errors.New("notices: bad string")
			}
		} else {
			d := json.NewDecoder(bytes.NewReader(it))
			d.DisallowUnknownFields()
			if err := d.Decode(&n); err != nil {
				return nil, errors.New("notices: want {\"zh\",\"en\"} objects")
			}
		}
		n.ZH, n.EN = strings.TrimSpace(n.ZH), strings.TrimSpace(n.EN)
		if n.ZH == "" {
			return nil, errors.New("notices: a notice without Chinese text")
		}
		if utf8.RuneCountInString(n.ZH) > maxNotice || utf8.RuneCountInString(n.EN) > maxNotice {
			return nil, errors.New("notices: a notice longer than 200 characters")
		}
		out = append(out, n)
	}
	return out, nil
}

// split returns the Chinese texts and the English ones by position.
func (l noticeList) split() (zh, en []string) {
	zh = make([]string, len(l))
	en = make([]string, len(l))
	for i, n := range l {
		zh[i], en[i] = n.ZH, n.EN
	}
	return zh, en
}
