package main

import (
	"context"
	"io"

	"hallkiosk/printer/printersim"
)

// The printer simulator answers DLE EOT status like a real ESC/POS printer
// and saves each job (split at the cut) as DIR/printer.out/job-NNNN.bin and
// .png. Control routes (see printersim.Sim.Routes):
//
//	GET  /printer/state, /printer/jobs
//	POST /printer/paper?state=ok|near-end|out
//	POST /printer/cover?open=1|0
//	POST /printer/offline?on=1|0
//	POST /printer/cutter?error=1|0
//	POST /printer/unplug?on=1|0
//	POST /printer/width?dots=384|576
func init() {
	registerSim(&sim{
		name:    "printer",
		summary: "ESC/POS ticket printer, 80 mm: DLE EOT status, jobs saved as .bin and .png",
		run: func(ctx context.Context, port io.ReadWriter, env *simEnv) error {
			s := printersim.New(&printersim.Opts{Dir: env.Dir, Render: true, Log: env.Log})
			s.Routes(env.Mux, "/printer")
			return s.Run(ctx, port)
		},
	})
}
