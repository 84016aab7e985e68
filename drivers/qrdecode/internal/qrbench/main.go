// Command qrbench generates the QR corpus (package qrcorpus), decodes every
// frame with package qrdecode and with zbarimg on the same PNG files, and
// prints read rates per category and decode times. Run it through
// scripts/bench-qr.sh.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"hallkiosk/drivers/qrdecode"
	"hallkiosk/drivers/qrdecode/qrcorpus"
)

type result struct {
	File     string   `json:"file"`
	Category string   `json:"category"`
	Want     []string `json:"want"`
	Ours     []string `json:"ours"`
	Passes   []string `json:"passes,omitempty"`
	Zbar     []string `json:"zbar"`
	OursMS   float64  `json:"ours_ms"`
	OursCPU  float64  `json:"ours_cpu_ms"`
	ZbarMS   float64  `json:"zbar_ms"`
}

// threadCPU is the CPU time of the calling thread (main is locked to one).
func threadCPU() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_THREAD, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func main() {
	runtime.LockOSThread()
	seed := flag.Uint64("seed", 20261125, "corpus seed")
	n := flag.Int("n", 20, "samples per category")
	out := flag.String("out", "", "directory for the corpus PNGs and results.json (default: a temporary directory)")
	zbar := flag.String("zbar", "zbarimg", "zbarimg binary (none: skip it)")
	verbose := flag.Bool("v", false, "list every miss")
	kioskctl := flag.String("kioskctl", "", "also decode the PNG files with this kioskctl binary (qr decode --json) and report its read rate and times")
	genOnly := flag.Bool("gen-only", false, "only write the corpus (PNGs and manifest.json) to -out")
	flag.Parse()
	if *genOnly {
		if *out == "" {
			fmt.Fprintln(os.Stderr, "qrbench: -gen-only needs -out")
			os.Exit(2)
		}
		if err := generate(*seed, *n, *out); err != nil {
			fmt.Fprintln(os.Stderr, "qrbench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*seed, *n, *out, *zbar, *kioskctl, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "qrbench:", err)
		os.Exit(1)
	}
}

func run(seed uint64, n int, out, zbar, kioskctl string, verbose bool) error {
	if out == "" {
		d, err := os.MkdirTemp("", "qrcorpus")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		out = d
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if zbar == "none" {
		// only our decoder (quick runs); zbar's columns read 0
	} else if _, err := exec.LookPath(zbar); err != nil {
		return fmt.Errorf("zbarimg not found: %w", err)
	}
	dec := qrdecode.New(nil)
	var results []result
	for ci, cat := range qrcorpus.Categories {
		for i := 0; i < n; i++ {
			s := qrcorpus.GenerateOne(seed, cat, i, ci)
			file := filepath.Join(out, s.Name+".png")
			var buf bytes.Buffer
			if err := png.Encode(&buf, s.Img); err != nil {
				return err
			}
			if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
				return err
			}
			runtime.GC()
			c0 := threadCPU()
			t0 := time.Now()
			codes, err := dec.Decode(s.Img)
			ms := float64(time.Since(t0).Microseconds()) / 1000
			cpu := float64((threadCPU() - c0).Microseconds()) / 1000
			if err != nil {
				return err
			}
			r := result{File: file, Category: cat, Want: s.Texts, OursMS: ms, OursCPU: cpu}
			for _, c := range codes {
				r.Ours = append(r.Ours, c.Text)
				r.Passes = append(r.Passes, c.Pass)
			}
			t0 = time.Now()
			if zbar != "none" {
				r.Zbar, err = runZbar(zbar, file)
			}
			r.ZbarMS = float64(time.Since(t0).Microseconds()) / 1000
			if err != nil {
				return err
			}
			results = append(results, r)
		}
	}
	js, _ := json.MarshalIndent(results, "", " ")
	if err := os.WriteFile(filepath.Join(out, "results.json"), js, 0o644); err != nil {
		return err
	}
	report(results, verbose)
	if kioskctl != "" {
		viaCLI, err := runKioskctl(kioskctl, results)
		if err != nil {
			return err
		}
		fmt.Printf("\n== the same frames through %s qr decode --json (PNG files; times as kioskctl reports them, cpu_ms and ms, the PNG read excluded)\n", kioskctl)
		report(viaCLI, verbose)
	}
	return nil
}

// runKioskctl decodes every result's file with one kioskctl process and
// returns the results with its codes and times in place of ours.
func runKioskctl(bin string, results []result) ([]result, error) {
	args := []string{"qr", "decode", "--json"}
	for _, r := range results {
		args = append(args, r.File)
	}
	outb, err := exec.Command(bin, args...).Output()
	if err != nil {
		return nil, fmt.Errorf("%s qr decode: %w", bin, err)
	}
	type line struct {
		File  string   `json:"file"`
		Codes []string `json:"codes"`
		MS    float64  `json:"ms"`
		CPU   float64  `json:"cpu_ms"`
	}
	by := map[string]line{}
	for _, l := range strings.Split(strings.TrimSpace(string(outb)), "\n") {
		var x line
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			return nil, fmt.Errorf("%s qr decode: bad line %q: %w", bin, l, err)
		}
		by[x.File] = x
	}
	var out []result
	for _, r := range results {
		x, ok := by[r.File]
		if !ok {
			return nil, fmt.Errorf("%s qr decode: no line for %s", bin, r.File)
		}
		r.Ours, r.Passes, r.OursMS, r.OursCPU = x.Codes, nil, x.MS, x.CPU
		out = append(out, r)
	}
	return out, nil
}

// generate writes the corpus PNGs and manifest.json (file, category, texts).
func generate(seed uint64, n int, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	type entry struct {
		File     string   `json:"file"`
		Category string   `json:"category"`
		Texts    []string `json:"texts"`
	}
	var m []entry
	for _, s := range qrcorpus.Generate(seed, n) {
		var buf bytes.Buffer
		if err := png.Encode(&buf, s.Img); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, s.Name+".png"), buf.Bytes(), 0o644); err != nil {
			return err
		}
		m = append(m, entry{s.Name + ".png", s.Category, s.Texts})
	}
	js, _ := json.MarshalIndent(m, "", " ")
	return os.WriteFile(filepath.Join(out, "manifest.json"), js, 0o644)
}

// runZbar returns the texts zbarimg reads in file (QR only, raw output).
func runZbar(bin, file string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-q", "--raw", "-Sdisable", "-Sqrcode.enable", "-Stest-inverted", file)
	outb, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 4 {
			return nil, nil // no symbol found
		}
		return nil, fmt.Errorf("zbarimg %s: %w", file, err)
	}
	var texts []string
	for _, l := range strings.Split(strings.TrimRight(string(outb), "\n"), "\n") {
		if l != "" {
			texts = append(texts, l)
		}
	}
	return texts, nil
}

func hits(want, got []string) (ok, wrong int) {
	g := map[string]bool{}
	for _, t := range got {
		g[t] = true
	}
	w := map[string]bool{}
	for _, t := range want {
		w[t] = true
		if g[t] {
			ok++
		}
	}
	for _, t := range got {
		if !w[t] {
			wrong++
		}
	}
	return ok, wrong
}

func report(results []result, verbose bool) {
	type agg struct {
		codes, ours, zbar, oursWrong, zbarWrong int
		ms, cpu                                 []float64
	}
	by := map[string]*agg{}
	var all, allCPU []float64
	for _, r := range results {
		a := by[r.Category]
		if a == nil {
			a = &agg{}
			by[r.Category] = a
		}
		a.codes += len(r.Want)
		o, ow := hits(r.Want, r.Ours)
		z, zw := hits(r.Want, r.Zbar)
		a.ours += o
		a.zbar += z
		a.oursWrong += ow
		a.zbarWrong += zw
		a.ms = append(a.ms, r.OursMS)
		a.cpu = append(a.cpu, r.OursCPU)
		all = append(all, r.OursMS)
		allCPU = append(allCPU, r.OursCPU)
		if verbose && (o < len(r.Want) || z < len(r.Want)) {
			fmt.Printf("miss %s: ours %d/%d zbar %d/%d\n", filepath.Base(r.File), o, len(r.Want), z, len(r.Want))
		}
	}
	fmt.Printf("%-14s %6s %10s %10s %9s %12s %12s %12s %12s\n", "category", "codes", "ours", "zbar", "ours>=zbar", "cpu_med_ms", "cpu_p90_ms", "wall_med_ms", "cpu_max_ms")
	var tc, to, tz int
	okAll := true
	for _, cat := range qrcorpus.Categories {
		a := by[cat]
		if a == nil {
			continue
		}
		tc += a.codes
		to += a.ours
		tz += a.zbar
		ge := "yes"
		if a.ours < a.zbar {
			ge = "NO"
			okAll = false
		}
		fmt.Printf("%-14s %6d %9.1f%% %9.1f%% %9s %12.1f %12.1f %12.1f %12.1f\n", cat, a.codes,
			100*float64(a.ours)/float64(a.codes), 100*float64(a.zbar)/float64(a.codes), ge, median(a.cpu), pct(a.cpu, 90), median(a.ms), maxf(a.cpu))
	}
	fmt.Printf("%-14s %6d %9.1f%% %9.1f%% %9s %12.1f %12.1f %12.1f %12.1f\n", "all", tc,
		100*float64(to)/float64(tc), 100*float64(tz)/float64(tc), map[bool]string{true: "yes", false: "NO"}[okAll], median(allCPU), pct(allCPU, 90), median(all), maxf(allCPU))
	fmt.Printf("wall over all frames: median %.1f ms, p90 %.1f ms\n", median(all), pct(all, 90))
	passes := map[string]int{}
	for _, r := range results {
		for _, p := range r.Passes {
			passes[p]++
		}
	}
	if len(passes) > 0 {
		var names []string
		for p := range passes {
			names = append(names, p)
		}
		sort.Slice(names, func(i, j int) bool { return passes[names[i]] > passes[names[j]] })
		fmt.Print("codes read by pass:")
		for _, p := range names {
			fmt.Printf(" %s %d", p, passes[p])
		}
		fmt.Println()
	}
	wrongO, wrongZ := 0, 0
	for _, a := range by {
		wrongO += a.oursWrong
		wrongZ += a.zbarWrong
	}
	fmt.Printf("wrong texts: ours %d, zbar %d; frames %d of %dx%d; GOMAXPROCS=%d; cpu = CPU time of the decoding thread, wall = elapsed (includes waiting for a core on a busy machine)\n", wrongO, wrongZ, len(results), qrcorpus.Width, qrcorpus.Height, runtime.GOMAXPROCS(0))
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// pct returns the p-th percentile (nearest rank) of v.
func pct(v []float64, p int) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	i := (len(s)*p + 99) / 100
	return s[min(max(i-1, 0), len(s)-1)]
}

func maxf(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = max(m, x)
	}
	return m
}
