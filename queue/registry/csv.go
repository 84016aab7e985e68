package registry

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// CSVColumns are the columns ImportCSV understands (header row required,
// any order, unknown columns refused):
//
//	record         licence | permit | property
//	key            USCC (licence, permit) or certificate number (property)
//	name           business name (licence)
//	address        address (licence) or location (property)
//	permit_kind    food_sale | catering | drug_retail | ... (permit)
//	permit_number, permit_scope, valid_from, valid_to (permit; dates YYYY-MM-DD)
//	area_m2, usage, status (property)
//
// Lines starting with '#' are comments.
var CSVColumns = []string{"record", "key", "name", "address", "permit_kind", "permit_number", "permit_scope", "valid_from", "valid_to", "area_m2", "usage", "status"}

// MaxCSVRows bounds one import.
const MaxCSVRows = 200000

// ImportResult counts what an import stored.
type ImportResult struct {
	Licences   int      `json:"licences"`
	Permits    int      `json:"permits"`
	Properties int      `json:"properties"`
	Warnings   []string `json:"warnings,omitempty"`
}

// ImportCSV reads records from r and stores them in one transaction: either
// every row is stored or, on the first bad row, none (the error names the
// line). A licence row replaces that licence's permits with the permit rows
// of the same import. A credit code must be valid under GB 32100, check
// character included: a row with an invalid one is refused, and the error
// says which character is wrong.
func (s *Store) ImportCSV(ctx context.Context, r io.Reader) (ImportResult, error) {
	return s.ImportCSVFile(ctx, "", r)
}

// ImportCSVFile is ImportCSV for the file called name: errors about a row
// read "name line N: ..." (plain "csv line N: ..." when name is empty).
func (s *Store) ImportCSVFile(ctx context.Context, name string, r io.Reader) (ImportResult, error) {
	where := "csv"
	if name != "" {
		where = name
	}
	var res ImportResult
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return res, fmt.Errorf("%w: csv header: %v", ErrInvalid, err)
	}
	col := map[string]int{}
	known := map[string]bool{}
	for _, c := range CSVColumns {
		known[c] = true
	}
	for i, h := range header {
		h = strings.TrimPrefix(strings.TrimSpace(strings.ToLower(h)), "\ufeff")
		if !known[h] {
			return res, fmt.Errorf("%w: csv header: unknown column %q", ErrInvalid, h)
		}
		if _, dup := col[h]; dup {
			return res, fmt.Errorf("%w: csv header: column %q twice", ErrInvalid, h)
		}
		col[h] = i
	}
	if _, ok := col["record"]; !ok {
		return res, fmt.Errorf("%w: csv header: no record column", ErrInvalid)
	}
	if _, ok := col["key"]; !ok {
		return res, fmt.Errorf("%w: csv header: no key column", ErrInvalid)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		replaced := map[string]bool{}
		for rows := 0; ; rows++ {
			rec, err := cr.Read()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					return fmt.Errorf("%w: %s: %v", ErrInvalid, where, err)
				}
				return fmt.Errorf("registry: reading csv: %w", err)
			}
			line, _ := cr.FieldPos(0)
			if rows >= MaxCSVRows {
				return fmt.Errorf("%w: more than %d rows", ErrInvalid, MaxCSVRows)
			}
			get := func(name string) string {
				if i, ok := col[name]; ok && i < len(rec) {
					return strings.TrimSpace(rec[i])
				}
				return ""
			}
			var rerr error
			switch get("record") {
			case "licence", "license":
				l := Licence{USCC: get("key"), Name: get("name"), Address: get("address")}
				if rerr = l.normalise(); rerr != nil {
					break
				}
				rerr = putLicence(ctx, tx, l, !replaced[l.USCC])
				if rerr == nil {
					replaced[l.USCC] = true
					res.Licences++
				}
			case "permit":
				p := Permit{Kind: get("permit_kind"), Number: get("permit_number"), Scope: get("permit_scope"), ValidFrom: get("valid_from"), ValidTo: get("valid_to")}
				key := strings.ToUpper(get("key"))
				if rerr = CheckUSCC(key); rerr != nil {
					break
				}
				rerr = putPermit(ctx, tx, key, p)
				if rerr == nil {
					res.Permits++
				}
			case "property":
				p := Property{Number: get("key"), Location: get("address"), Usage: get("usage"), Status: get("status")}
				if a := get("area_m2"); a != "" {
					f, err := strconv.ParseFloat(a, 64)
					if err != nil {
						rerr = fmt.Errorf("%w: area_m2 %q is not a number", ErrInvalid, a)
						break
					}
					p.AreaM2 = f
				}
				rerr = putProperty(ctx, tx, p)
				if rerr == nil {
					res.Properties++
				}
			default:
				rerr = fmt.Errorf("%w: record %q is not licence, permit or property", ErrInvalid, get("record"))
			}
			if rerr != nil {
				if !errors.Is(rerr, ErrInvalid) {
					return rerr
				}
				return fmt.Errorf("%s line %d: %w", where, line, rerr)
			}
		}
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}
