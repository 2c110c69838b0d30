// Command cases runs one validation case on the real Go runtime and prints
// its StackInuse deltas as one JSON document.
//
// The caller sets GOMAXPROCS=1, GOGC=off and GODEBUG=adaptivestackstart=N
// in the environment (-list prints what each case needs); the program
// refuses to run otherwise. See validate/README.md for what is measured.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

// settleRounds bounds the GC + ReadMemStats rounds spent waiting for
// StackInuse to stop moving before the baseline is taken.
const (
	settleFirstGCs = 3
	settleRounds   = 10
)

// probeDepth is the extra depth of the second probe worker; the difference
// in use between the two probes, divided by it, is one descend frame.
const probeDepth = 4

type checkpointResult struct {
	Name            string `json:"name"`
	StackInuseDelta int64  `json:"stackInuseDelta"`
	Threads         int    `json:"threads"`
	Procs           int    `json:"procs"`
	NumGoroutine    int    `json:"numGoroutine"`
	Census          census `json:"census"`
}

type baselineResult struct {
	StackInuse   uint64 `json:"stackInuse"`
	SettleRounds int    `json:"settleRounds"`
	Threads      int    `json:"threads"`
	NumGoroutine int    `json:"numGoroutine"`
	Census       census `json:"census"`
}

type caseResult struct {
	Case               string             `json:"case"`
	Description        string             `json:"description"`
	GoVersion          string             `json:"goVersion"`
	Env                map[string]string  `json:"env"`
	AdaptiveStackStart bool               `json:"adaptiveStackStart"`
	FrameBytes         int                `json:"frameBytes"`
	ParkBaseUsedBytes  int                `json:"parkBaseUsedBytes"`
	Goroutines         int                `json:"goroutines"`
	UsedBytesPerG      uint64             `json:"usedBytesPerGoroutine"`
	Baseline           baselineResult     `json:"baseline"`
	Steps              []step             `json:"steps"`
	Checkpoints        []checkpointResult `json:"checkpoints"`
}

type listEntry struct {
	Case               string `json:"case"`
	Description        string `json:"description"`
	AdaptiveStackStart bool   `json:"adaptiveStackStart"`
}

func main() {
	caseName := flag.String("case", "", "case to run")
	list := flag.Bool("list", false, "print the case list as JSON and exit")
	flag.Parse()

	if *list {
		var out []listEntry
		for _, c := range catalogue() {
			out = append(out, listEntry{c.Name, c.Description, c.AdaptiveStackStart})
		}
		emit(out)
		return
	}
	var def *caseDef
	for _, c := range catalogue() {
		if c.Name == *caseName {
			c := c
			def = &c
		}
	}
	if def == nil {
		fail(fmt.Errorf("unknown case %q (use -list)", *caseName))
	}
	if err := checkEnv(def.AdaptiveStackStart); err != nil {
		fail(err)
	}
	if err := checkLayout(); err != nil {
		fail(err)
	}
	result, err := run(def)
	if err != nil {
		fail(err)
	}
	emit(result)
}

// checkEnv refuses to run unless the environment fixes what the results
// depend on.
func checkEnv(adaptive bool) error {
	if os.Getenv("GOMAXPROCS") != "1" || runtime.GOMAXPROCS(0) != 1 {
		return fmt.Errorf("set GOMAXPROCS=1 (got %q)", os.Getenv("GOMAXPROCS"))
	}
	if os.Getenv("GOGC") != "off" || debug.SetGCPercent(-1) != -1 {
		return fmt.Errorf("set GOGC=off (got %q)", os.Getenv("GOGC"))
	}
	want := "adaptivestackstart=0"
	if adaptive {
		want = "adaptivestackstart=1"
	}
	if !strings.Contains(os.Getenv("GODEBUG"), want) {
		return fmt.Errorf("set GODEBUG=%s (got %q)", want, os.Getenv("GODEBUG"))
	}
	return nil
}

// memStats lives in the heap: MemStats is over 5 KiB, and as a local it
// would swell main's frames, which GC scans count towards adaptive start.
var memStats runtime.MemStats

//go:noinline
func readStackInuse() uint64 {
	runtime.ReadMemStats(&memStats)
	return memStats.StackInuse
}

func threadCount() int {
	n, _ := runtime.ThreadCreateProfile(nil)
	return n
}

// settle runs GCs until StackInuse, read through ReadMemStats (which also
// flushes the P stack caches), is the same twice in a row.
func settle() (uint64, int) {
	for i := 0; i < settleFirstGCs; i++ {
		runtime.GC()
	}
	prev := readStackInuse()
	rounds := 0
	for rounds < settleRounds {
		rounds++
		runtime.GC()
		cur := readStackInuse()
		if cur == prev {
			break
		}
		prev = cur
	}
	return prev, rounds
}

// measureFrame parks one worker at depth 0 and one at probeDepth and reads
// their use from the census, giving the use at depth 0 and per frame.
func measureFrame() (base, frame int, err error) {
	uses := [2]int{}
	for i, depth := range []int{0, probeDepth} {
		g := newGroup("probe", 1)
		before := maxGoid()
		spawn(g, depth, depth)
		rep := measureGroup(before)
		uses[i] = int(rep.UsedBytes.Max)
		releaseAndWait(g, 1)
	}
	frame = (uses[1] - uses[0]) / probeDepth
	if frame <= 0 {
		return 0, 0, fmt.Errorf("probe: frame size %d bytes from uses %v", frame, uses)
	}
	return uses[0], frame, nil
}

func depthFor(target, base, frame int) int {
	if target <= base {
		return 0
	}
	return (target - base + frame/2) / frame
}

func run(def *caseDef) (*caseResult, error) {
	base, frame, err := measureFrame()
	if err != nil {
		return nil, err
	}
	res := &caseResult{
		Case: def.Name, Description: def.Description, GoVersion: runtime.Version(),
		Env: map[string]string{
			"GOMAXPROCS": os.Getenv("GOMAXPROCS"), "GOGC": os.Getenv("GOGC"),
			"GODEBUG": os.Getenv("GODEBUG"),
		},
		AdaptiveStackStart: def.AdaptiveStackStart,
		FrameBytes:         frame, ParkBaseUsedBytes: base,
	}

	inuse, rounds := settle()
	res.Baseline = baselineResult{
		StackInuse: inuse, SettleRounds: rounds, Threads: threadCount(),
		NumGoroutine: runtime.NumGoroutine(), Census: takeCensus(),
	}
	groups := map[string]*group{}
	liveUser := runtime.NumGoroutine()
	for i := range def.Steps {
		st := &def.Steps[i]
		switch st.Op {
		case "spawn":
			st.ParkDepth = depthFor(st.TargetUsedBytes, base, frame)
			st.PeakDepth = depthFor(st.TargetPeakBytes, base, frame)
			g := newGroup(st.Group, st.Count)
			groups[st.Group] = g
			before := maxGoid()
			spawn(g, st.PeakDepth, st.ParkDepth)
			st.Measured = measureGroup(before)
			st.ParkOrder = orderRuns(g.parkOrder)
			liveUser += st.Count
			res.Goroutines += st.Count
			if res.UsedBytesPerG == 0 {
				res.UsedBytesPerG = st.Measured.UsedBytes.Median
			}
		case "release":
			g := groups[st.Group]
			liveUser -= g.count
			releaseAndWait(g, liveUser)
			st.ExitOrder = orderRuns(g.exitOrder)
		case "gc":
			runtime.GC()
		case "procs":
			runtime.GOMAXPROCS(st.Procs)
		case "checkpoint":
			delta := int64(readStackInuse()) - int64(inuse)
			res.Checkpoints = append(res.Checkpoints, checkpointResult{
				Name: st.Name, StackInuseDelta: delta, Threads: threadCount(),
				Procs: runtime.GOMAXPROCS(0), NumGoroutine: runtime.NumGoroutine(),
				Census: takeCensus(),
			})
		default:
			return nil, fmt.Errorf("step %d: unknown op %q", i, st.Op)
		}
	}
	res.Steps = def.Steps
	return res, nil
}

func emit(v interface{}) {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "cases:", err)
	os.Exit(2)
}
