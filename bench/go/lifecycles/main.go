// Command lifecycles measures how many goroutine lifecycles (spawn, run,
// exit) the real runtime completes per second on one P, for comparison
// with the simulator's operations per second (bench/engines.bench.ts).
//
// Two workloads: "small" goroutines return at once and keep their 2 KiB
// stack; "grow" goroutines descend to about 5,000 bytes of stack, which
// costs two copies (2 -> 4 -> 8 KiB), then exit (freeing the 8 KiB stack).
// A runtime.GC() runs every -gc-every lifecycles, since GOGC=off.
// The caller sets GOMAXPROCS=1 and GOGC=off; the program checks both.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"sync"
	"time"
)

// padWords gives each descend frame its bulk (see validate/cases).
const padWords = 12

// growFrames descends far enough to use about 5,000 bytes of stack with
// frames of about 136 bytes.
const growFrames = 33

//go:noinline
func descend(depth int) uintptr {
	var pad [padWords]uintptr
	pad[depth%padWords] = uintptr(depth)
	if depth > 0 {
		return descend(depth-1) + pad[(depth+1)%padWords]
	}
	return pad[0]
}

type runResult struct {
	Lifecycles          int     `json:"lifecycles"`
	Seconds             float64 `json:"seconds"`
	LifecyclesPerSecond float64 `json:"lifecyclesPerSecond"`
	GCs                 int     `json:"gcs"`
}

type report struct {
	Mode                      string      `json:"mode"`
	GoVersion                 string      `json:"goVersion"`
	GODEBUG                   string      `json:"GODEBUG"`
	Batch                     int         `json:"batch"`
	GCEvery                   int         `json:"gcEvery"`
	Runs                      []runResult `json:"runs"`
	MedianLifecyclesPerSecond float64     `json:"medianLifecyclesPerSecond"`
	StackInuseAfter           uint64      `json:"stackInuseAfter"`
}

// runOnce spawns total goroutines in batches, waiting for each batch to
// finish, and runs a GC every gcEvery lifecycles (never when 0).
func runOnce(total, batch, gcEvery, depth int) runResult {
	var wg sync.WaitGroup
	gcs := 0
	start := time.Now()
	for done := 0; done < total; {
		wg.Add(batch)
		for i := 0; i < batch; i++ {
			go func() {
				if depth > 0 {
					descend(depth)
				}
				wg.Done()
			}()
		}
		wg.Wait()
		done += batch
		if gcEvery > 0 && done%gcEvery == 0 {
			runtime.GC()
			gcs++
		}
	}
	secs := time.Since(start).Seconds()
	return runResult{total, secs, float64(total) / secs, gcs}
}

func main() {
	mode := flag.String("mode", "small", "small (2 KiB, no growth) or grow (to 8 KiB)")
	total := flag.Int("lifecycles", 2_000_000, "goroutine lifecycles per run")
	batch := flag.Int("batch", 1000, "goroutines per WaitGroup batch")
	gcEvery := flag.Int("gc-every", 100_000, "lifecycles between runtime.GC calls (0: none)")
	runs := flag.Int("runs", 3, "timed runs after one warm-up run")
	flag.Parse()

	if os.Getenv("GOMAXPROCS") != "1" || runtime.GOMAXPROCS(0) != 1 {
		fail("set GOMAXPROCS=1")
	}
	if os.Getenv("GOGC") != "off" || debug.SetGCPercent(-1) != -1 {
		fail("set GOGC=off")
	}
	if *batch <= 0 || *total < *batch || *total%*batch != 0 {
		fail("-lifecycles must be a positive multiple of -batch")
	}
	depth := 0
	switch *mode {
	case "small":
	case "grow":
		depth = growFrames
	default:
		fail("-mode must be small or grow")
	}

	rep := report{Mode: *mode, GoVersion: runtime.Version(),
		GODEBUG: os.Getenv("GODEBUG"), Batch: *batch, GCEvery: *gcEvery}
	runOnce(*total/10-(*total/10)%*batch+*batch, *batch, *gcEvery, depth)
	var rates []float64
	for i := 0; i < *runs; i++ {
		r := runOnce(*total, *batch, *gcEvery, depth)
		rep.Runs = append(rep.Runs, r)
		rates = append(rates, r.LifecyclesPerSecond)
	}
	sort.Float64s(rates)
	rep.MedianLifecyclesPerSecond = rates[len(rates)/2]
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rep.StackInuseAfter = ms.StackInuse

	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "lifecycles:", msg)
	os.Exit(2)
}
