// Package config reads the one configuration file each node has (kiosk, hall
// server). The format is a small, line-oriented INI dialect:
//
//	# comment
//	[section]
//	key = value
//
// Values are strings, integers, booleans (true/false), durations (Go syntax,
// e.g. 30s, 5m) or comma-separated lists. Every key must be known: a typo, a
// bad value or a duplicate key is an error naming the file, line and key, and
// the caller refuses to start. Keys that are absent keep the defaults the
// caller filled in before parsing. A struct embedded without an ini tag
// lends its keys to the struct that embeds it, so two programs can share a
// section's type and one of them add keys of its own beside it.
package config

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Error is a configuration error with its position.
type Error struct {
	File string
	Line int // 0 when the error is not tied to one line
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Key != "":
		return fmt.Sprintf("config: %s:%d: key %q: %s", e.File, e.Line, e.Key, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("config: %s:%d: %s", e.File, e.Line, e.Msg)
	case e.Key != "":
		return fmt.Sprintf("config: %s: key %q: %s", e.File, e.Key, e.Msg)
	}
	return fmt.Sprintf("config: %s: %s", e.File, e.Msg)
}

// Validator is implemented by configuration structs that check relations
// between keys after parsing. Returned errors should be *Error with Key set.
type Validator interface {
	Validate() error
}

// Load parses the file at path into dst (a pointer to a struct, see Parse).
// A missing file is an error unless allowMissing is true, in which case dst
// keeps its defaults.
func Load(path string, dst any, allowMissing bool) error {
	f, err := os.Open(path)
	if err != nil {
		if allowMissing && errors.Is(err, os.ErrNotExist) {
			return validate(path, dst)
		}
		return &Error{File: path, Msg: err.Error()}
	}
	defer f.Close()
	return Parse(f, path, dst)
}

// Parse reads configuration text from r into dst. dst points to a struct whose
// fields are structs (sections) tagged `ini:"section"` holding scalar fields
// tagged `ini:"key"`. Top-level scalar fields tagged `ini:"key"` take keys
// that appear before any section header.
func Parse(r io.Reader, name string, dst any) error {
	root := reflect.ValueOf(dst)
	if root.Kind() != reflect.Pointer || root.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("config: Parse needs a pointer to a struct, got %T", dst)
	}
	root = root.Elem()
	section := ""
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if text == "" || strings.HasPrefix(text, "#") || strings.HasPrefix(text, ";") {
			continue
		}
		if strings.HasPrefix(text, "[") {
			if !strings.HasSuffix(text, "]") {
				return &Error{File: name, Line: line, Msg: "section header without closing ]"}
			}
			section = strings.TrimSpace(text[1 : len(text)-1])
			if _, ok := field(root, section); !ok || section == "" {
				return &Error{File: name, Line: line, Msg: fmt.Sprintf("unknown section [%s]", section)}
			}
			continue
		}
		k, v, ok := strings.Cut(text, "=")
		if !ok {
			return &Error{File: name, Line: line, Msg: "expected key = value"}
		}
		k = strings.TrimSpace(k)
		v = unquote(strings.TrimSpace(v))
		full := k
		if section != "" {
			full = section + "." + k
		}
		if prev, dup := seen[full]; dup {
			return &Error{File: name, Line: line, Key: full, Msg: fmt.Sprintf("set twice (first on line %d)", prev)}
		}
		seen[full] = line
		target := root
		if section != "" {
			sv, _ := field(root, section)
			target = sv
		}
		fv, ok := field(target, k)
		if !ok || fv.Kind() == reflect.Struct && fv.Type() != reflect.TypeOf(time.Duration(0)) {
			return &Error{File: name, Line: line, Key: full, Msg: "unknown key"}
		}
		if err := set(fv, v); err != nil {
			return &Error{File: name, Line: line, Key: full, Msg: err.Error()}
		}
	}
	if err := sc.Err(); err != nil {
		return &Error{File: name, Line: line, Msg: err.Error()}
	}
	if err := validate(name, dst); err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			if ce.File == "" {
				ce.File = name
			}
			if ce.Line == 0 && ce.Key != "" {
				ce.Line = seen[ce.Key]
			}
			return ce
		}
		return &Error{File: name, Msg: err.Error()}
	}
	return nil
}

func validate(name string, dst any) error {
	if v, ok := dst.(Validator); ok {
		if err := v.Validate(); err != nil {
			var ce *Error
			if errors.As(err, &ce) && ce.File == "" {
				ce.File = name
			}
			return err
		}
	}
	return nil
}

func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		if s, err := strconv.Unquote(v); err == nil {
			return s
		}
	}
	return v
}

// field finds the field tagged name in the struct v, looking into
// embedded structs without an ini tag as if their fields were v's own.
func field(v reflect.Value, name string) (reflect.Value, bool) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Tag.Get("ini") == name {
			return v.Field(i), true
		}
	}
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); embedded(f) {
			if fv, ok := field(v.Field(i), name); ok {
				return fv, true
			}
		}
	}
	return reflect.Value{}, false
}

// embedded reports whether f is an exported embedded struct without an
// ini tag, whose keys belong to the struct that embeds it.
func embedded(f reflect.StructField) bool {
	return f.Anonymous && f.IsExported() && f.Type.Kind() == reflect.Struct && f.Tag.Get("ini") == ""
}

// Keys lists every "section.key" (and top-level "key") of the
// configuration struct v (a struct or a pointer to one), embedded
// structs' keys included, in field order.
func Keys(v any) []string {
	t := reflect.TypeOf(v)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			switch tag := f.Tag.Get("ini"); {
			case embedded(f):
				walk(f.Type, prefix)
			case tag == "":
			case prefix == "" && f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(time.Duration(0)):
				walk(f.Type, tag+".")
			default:
				out = append(out, prefix+tag)
			}
		}
	}
	walk(t, "")
	return out
}

func set(fv reflect.Value, v string) error {
	switch fv.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("not a duration (e.g. 30s, 5m): %q", v)
		}
		if d < 0 {
			return fmt.Errorf("negative duration %q", v)
		}
		fv.SetInt(int64(d))
		return nil
	}
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(v)
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("not an integer: %q", v)
		}
		fv.SetInt(n)
	case reflect.Float64:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("not a number: %q", v)
		}
		fv.SetFloat(n)
	case reflect.Bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("not true or false: %q", v)
		}
		fv.SetBool(b)
	case reflect.Slice:
		if fv.Type().Elem().Kind() != reflect.String {
			return errors.New("unsupported list type")
		}
		var out []string
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		fv.Set(reflect.ValueOf(out))
	default:
		return fmt.Errorf("unsupported type %s", fv.Type())
	}
	return nil
}
