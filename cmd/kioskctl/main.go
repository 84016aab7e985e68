// Command kioskctl is the technician's tool: ports, ID card reads, scans,
// printer tests, ESC/POS rendering, QR decoding, displays and voice.
//
// Every subcommand lives in its own file and registers itself in init with
// register. Subcommands parse their own flags with the flag package, so
// flags come before positional arguments. Exit status is 0 on success;
// otherwise one line "kioskctl: ..." goes to stderr and the status is 1
// (2 for usage errors).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// command is one subcommand, e.g. "idcard read" or "ports".
type command struct {
	path    string // words, e.g. "printer status"
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]*command{}

// register adds a subcommand. path is one or two words.
func register(path, summary string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) error) {
	if _, dup := commands[path]; dup {
		panic("kioskctl: duplicate command " + path)
	}
	commands[path] = &command{path: path, summary: summary, run: run}
}

// errUsage marks errors that should exit with status 2.
var errUsage = errors.New("usage")

// usageError wraps a message as a usage error.
func usageError(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), "\n", " ")
		fmt.Fprintln(os.Stderr, "kioskctl: "+msg)
		if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// run dispatches args to a subcommand.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(stdout)
		return nil
	}
	if len(args) >= 2 {
		if c, ok := commands[args[0]+" "+args[1]]; ok {
			return c.run(ctx, args[2:], stdout, stderr)
		}
	}
	if c, ok := commands[args[0]]; ok {
		return c.run(ctx, args[1:], stdout, stderr)
	}
	return usageError("unknown command %q (try kioskctl help)", strings.Join(args[:min(2, len(args))], " "))
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "usage: kioskctl COMMAND [flags] [args]\n\ncommands:")
	paths := make([]string, 0, len(commands))
	for p := range commands {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		fmt.Fprintf(w, "  %-20s %s\n", p, commands[p].summary)
	}
}

// newFlags returns a FlagSet for a subcommand that reports errors instead of
// exiting, and prints its usage to stderr.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("kioskctl "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}
