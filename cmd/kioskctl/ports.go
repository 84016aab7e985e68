package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"hallkiosk/drivers/scanner"
	"hallkiosk/drivers/serialport"
)

func init() {
	register("ports", "list serial ports with USB vendor/product ids and serial numbers", runPorts)
}

func runPorts(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("ports", stderr)
	asJSON := fs.Bool("json", false, "print a JSON array")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("ports takes no arguments")
	}
	ports, err := serialport.List()
	if err != nil {
		return err
	}
	if *asJSON {
		if ports == nil {
			ports = []serialport.PortInfo{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ports)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PATH\tUSB ID\tSERIAL\tMANUFACTURER\tPRODUCT\tOPEN AS")
	for _, p := range ports {
		id, open := "-", p.Path
		if p.IsUSB {
			id = p.VID + ":" + p.PID
			open = serialport.Spec{VID: p.VID, PID: p.PID, Serial: p.Serial}.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Path, id, dash(p.Serial), dash(p.Manufacturer), dash(p.Product), open)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// Keyboard-wedge scanners are keyboards, not serial ports.
	if kbds, _ := scanner.FindKeyboards(); len(kbds) > 0 {
		fmt.Fprintln(stdout, "\nkeyboards (a wedge scanner is one of these; read with kioskctl scan --keyboard PATH):")
		for _, k := range kbds {
			fmt.Fprintln(stdout, "  "+k)
		}
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// devOpenPort opens a --port value: a path or usb:VID:PID[:SERIAL].
func devOpenPort(spec string, baud int) (serialport.Port, error) {
	if spec == "" {
		return nil, usageError("--port is required (a path or usb:VID:PID[:SERIAL]; see kioskctl ports)")
	}
	s, err := serialport.ParseSpec(spec, baud)
	if err != nil {
		return nil, usageError("%v", err)
	}
	return serialport.OpenSpec(s)
}
