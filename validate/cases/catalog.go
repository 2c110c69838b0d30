// The case catalogue: each case is a script of steps that this program runs
// on the real runtime and that validate/run.ts replays on the simulator.
package main

import "fmt"

// step is one scripted action. Spawn steps name a group and say how many
// workers to start and how many stack bytes each should use; the program
// turns that into recursion depths and records what it measured.
type step struct {
	Op string `json:"op"` // spawn, release, gc, checkpoint, procs
	// Group names the workers of a spawn or release step.
	Group string `json:"group,omitempty"`
	Count int    `json:"count,omitempty"`
	// TargetUsedBytes is the stack use to park at; TargetPeakBytes, when
	// larger, is reached first and left, so the stack grows to fit it.
	TargetUsedBytes int `json:"targetUsedBytes,omitempty"`
	TargetPeakBytes int `json:"targetPeakBytes,omitempty"`
	// Name labels a checkpoint; Procs is the GOMAXPROCS of a procs step.
	Name  string `json:"name,omitempty"`
	Procs int    `json:"procs,omitempty"`

	// Filled in by the run (spawn steps).
	ParkDepth int          `json:"parkDepth,omitempty"`
	PeakDepth int          `json:"peakDepth,omitempty"`
	Measured  *groupReport `json:"measured,omitempty"`
	// ParkOrder (spawn steps) and ExitOrder (release steps) give the
	// workers' spawn numbers in the order they parked or exited, as runs
	// of [first, length, stride].
	ParkOrder [][3]int32 `json:"parkOrder,omitempty"`
	ExitOrder [][3]int32 `json:"exitOrder,omitempty"`
}

// groupReport is what a spawn step measured on its parked workers.
type groupReport struct {
	UsedBytes     usedSummary    `json:"usedBytes"`
	StackBytes    map[string]int `json:"stackBytes"`
	ParkedWorkers int            `json:"parkedWorkers"`
}

// caseDef is one entry of the catalogue.
type caseDef struct {
	Name               string
	Description        string
	AdaptiveStackStart bool
	Steps              []step
}

// Stack uses (hi - sp when parked) chosen well inside each size class: the
// runtime grows a stack when use + StackGuard (928) passes its size, so a
// use of U lands in the smallest power of two >= U + 928.
const (
	use2KiB   = 300
	use4KiB   = 2000
	use8KiB   = 5000
	use16KiB  = 12000
	use64KiB  = 50000
	use256KiB = 200000
)

func spawnStep(group string, count, used int) step {
	return step{Op: "spawn", Group: group, Count: count, TargetUsedBytes: used}
}

func releaseStep(group string) step { return step{Op: "release", Group: group} }
func gcStep() step                  { return step{Op: "gc"} }
func checkpoint(name string) step   { return step{Op: "checkpoint", Name: name} }
func procsStep(procs int) step      { return step{Op: "procs", Procs: procs} }

// lifecycle is the basic shape: spawn, park (live), release (after exit),
// one GC (after GC).
func lifecycle(name, desc string, count, used int) caseDef {
	return caseDef{
		Name: name, Description: desc, AdaptiveStackStart: true,
		Steps: []step{
			spawnStep("a", count, used), checkpoint("live"),
			releaseStep("a"), checkpoint("after exit"),
			gcStep(), checkpoint("after GC"),
		},
	}
}

func catalogue() []caseDef {
	cases := []caseDef{
		lifecycle("table-2k-n100", "SYSTEM.md table row: 100 x 2 KiB", 100, use2KiB),
		lifecycle("table-2k-n1000", "SYSTEM.md table row: 1,000 x 2 KiB", 1000, use2KiB),
		lifecycle("table-2k-n10000", "SYSTEM.md table row: 10,000 x 2 KiB",
			10000, use2KiB),
		lifecycle("table-8k-n100", "SYSTEM.md table row: 100 x 8 KiB", 100, use8KiB),
		lifecycle("table-16k-n10000", "SYSTEM.md table row: 10,000 x 16 KiB",
			10000, use16KiB),
		lifecycle("size-4k-n1000", "1,000 goroutines grown to 4 KiB", 1000, use4KiB),
		lifecycle("size-8k-n1000", "1,000 goroutines grown to 8 KiB", 1000, use8KiB),
		lifecycle("size-64k-n500", "500 goroutines grown to 64 KiB (large stacks)",
			500, use64KiB),
		lifecycle("size-256k-n200", "200 goroutines grown to 256 KiB (large stacks)",
			200, use256KiB),
		lifecycle("many-2k-n100000", "100,000 goroutines of 2 KiB", 100000, use2KiB),
		exitAroundGC(),
		shrinkOverGCs(),
		adaptive("adaptive-on", true),
		adaptive("adaptive-off", false),
		waves(),
		procsChange(),
	}
	return cases
}

// exitAroundGC: some goroutines exit before a GC, others after it.
func exitAroundGC() caseDef {
	return caseDef{
		Name:               "exit-around-gc",
		Description:        "2 KiB and 8 KiB workers; half exit before a GC, half after",
		AdaptiveStackStart: true,
		Steps: []step{
			spawnStep("a", 1000, use2KiB), spawnStep("b", 300, use8KiB),
			spawnStep("c", 1000, use2KiB), spawnStep("d", 300, use8KiB),
			checkpoint("live"),
			releaseStep("a"), releaseStep("b"), checkpoint("half exited"),
			gcStep(), checkpoint("GC 1"),
			releaseStep("c"), releaseStep("d"), checkpoint("all exited"),
			gcStep(), checkpoint("GC 2"),
		},
	}
}

// shrinkOverGCs: workers grow to 64 KiB once, then park shallow; every GC
// halves their stacks while use + StackLimit stays under a quarter.
func shrinkOverGCs() caseDef {
	grow := spawnStep("a", 1000, use2KiB)
	grow.TargetPeakBytes = use64KiB
	return caseDef{
		Name:               "shrink-3gc",
		Description:        "1,000 workers grown to 64 KiB, parked shallow, three GCs",
		AdaptiveStackStart: true,
		Steps: []step{
			grow, checkpoint("live"),
			gcStep(), checkpoint("GC 1"),
			gcStep(), checkpoint("GC 2"),
			gcStep(), checkpoint("GC 3"),
			releaseStep("a"), checkpoint("after exit"),
			gcStep(), checkpoint("after GC"),
		},
	}
}

// adaptive: workers at 8 KiB raise the start size at a GC (when adaptive
// start is on); their Gs are then recycled by a second, shallow wave that
// also needs brand-new Gs, which malg still gives 2 KiB.
func adaptive(name string, on bool) caseDef {
	mode := "off"
	if on {
		mode = "on"
	}
	return caseDef{
		Name: name,
		Description: fmt.Sprintf("adaptive start %s: 1,000 x 8 KiB, GC, exit, "+
			"then 2,000 shallow (1,000 recycled Gs, 1,000 new)", mode),
		AdaptiveStackStart: on,
		Steps: []step{
			spawnStep("a", 1000, use8KiB), checkpoint("live 8k"),
			gcStep(), checkpoint("GC with 8k live"),
			releaseStep("a"), checkpoint("8k exited"),
			spawnStep("b", 2000, use2KiB), checkpoint("recycled live"),
			releaseStep("b"), checkpoint("recycled exited"),
			gcStep(), checkpoint("GC idle"),
			spawnStep("c", 100, use2KiB), checkpoint("after reset live"),
			releaseStep("c"), gcStep(), checkpoint("final GC"),
		},
	}
}

// waves: spawn and exit in waves of 2,000, alternating 2 KiB and 8 KiB
// workers, with a GC every 5 waves.
func waves() caseDef {
	const waveCount, perWave, gcEvery = 20, 2000, 5
	var steps []step
	for w := 1; w <= waveCount; w++ {
		used := use2KiB
		if w%2 == 0 {
			used = use8KiB
		}
		name := fmt.Sprintf("w%d", w)
		steps = append(steps, spawnStep(name, perWave, used), releaseStep(name))
		if w%gcEvery == 0 {
			steps = append(steps, checkpoint(fmt.Sprintf("wave %d", w)), gcStep(),
				checkpoint(fmt.Sprintf("wave %d GC", w)))
		}
	}
	return caseDef{
		Name:               "waves",
		Description:        "20 waves of 2,000 (2 KiB / 8 KiB alternating), GC every 5",
		AdaptiveStackStart: true,
		Steps:              steps,
	}
}

// procsChange: GOMAXPROCS goes 1 -> 4 -> 1 with workers around it.
func procsChange() caseDef {
	return caseDef{
		Name:               "gomaxprocs",
		Description:        "GOMAXPROCS 1 -> 4 -> 1 around 8 KiB workers",
		AdaptiveStackStart: true,
		Steps: []step{
			spawnStep("a", 1000, use8KiB), checkpoint("live, 1 P"),
			procsStep(4), spawnStep("b", 1000, use8KiB), checkpoint("live, 4 P"),
			releaseStep("a"), releaseStep("b"), checkpoint("exited, 4 P"),
			gcStep(), checkpoint("GC, 4 P"),
			procsStep(1), checkpoint("back to 1 P"),
			gcStep(), checkpoint("GC, 1 P"),
		},
	}
}
