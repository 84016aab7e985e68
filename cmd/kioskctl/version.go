package main

import (
	"context"
	"fmt"
	"io"

	"hallkiosk/internal/version"
)

func init() {
	register("version", "print the software version", func(_ context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlags("version", stderr)
		if err := fs.Parse(args); err != nil {
			return err
		}
		_, err := fmt.Fprintln(stdout, version.String())
		return err
	})
}
