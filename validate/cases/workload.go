// Case workers: goroutines that descend to a chosen stack use, park on a
// channel, and exit when released.
package main

import (
	"runtime"
	"sync/atomic"
)

// padWords sizes the local array that gives each descend frame its bulk,
// so a few hundred frames reach hundreds of KiB without deep call chains.
const padWords = 12

// group is a set of workers spawned together and released together.
// Workers are numbered in spawn order; parkOrder and exitOrder record the
// numbers in the order the scheduler ran them to their park and to their
// exit, so the simulator can replay the same order (it decides which
// stacks end up where).
type group struct {
	name      string
	count     int
	parked    int32
	exited    int32
	release   chan struct{}
	parkOrder []int32
	exitOrder []int32
}

func newGroup(name string, count int) *group {
	return &group{
		name: name, count: count, release: make(chan struct{}),
		parkOrder: make([]int32, count), exitOrder: make([]int32, count),
	}
}

// park counts this worker in and blocks until the group is released.
// Waking main from here instead would cost the last worker a deeper call
// chain and grow its stack, so main polls the count.
func (g *group) park(worker int32) {
	g.parkOrder[atomic.AddInt32(&g.parked, 1)-1] = worker
	<-g.release
}

// descend recurses depth more frames, then parks when g is not nil. The
// array is written and read back so the compiler keeps it in the frame.
//
//go:noinline
func descend(depth int, g *group, worker int32) uintptr {
	var pad [padWords]uintptr
	pad[depth%padWords] = uintptr(depth)
	if depth > 0 {
		return descend(depth-1, g, worker) + pad[(depth+1)%padWords]
	}
	if g != nil {
		g.park(worker)
	}
	return pad[0]
}

// spawn starts the group's workers: each first descends peakDepth frames
// and comes back (so its stack grows to fit that), then descends
// parkDepth frames and parks. It returns once every worker has counted
// itself in and the runtime shows each of them waiting.
func spawn(g *group, peakDepth, parkDepth int) {
	before := maxGoid()
	for i := 0; i < g.count; i++ {
		worker := int32(i)
		go func() {
			if peakDepth > parkDepth {
				descend(peakDepth, nil, worker)
			}
			descend(parkDepth, g, worker)
			g.exitOrder[atomic.AddInt32(&g.exited, 1)-1] = worker
		}()
	}
	for int(atomic.LoadInt32(&g.parked)) < g.count {
		runtime.Gosched()
	}
	for countWaiting(before) < g.count {
		runtime.Gosched()
	}
}

// releaseAndWait releases the group and yields until the number of user
// goroutines is back to want, that is, until every worker has exited and
// its G went through gfput.
func releaseAndWait(g *group, want int) {
	close(g.release)
	for runtime.NumGoroutine() > want {
		runtime.Gosched()
	}
}

// orderRuns compresses an order of worker numbers into runs of
// [first, length, stride] with stride +1 or -1 (a lone number has stride 1).
func orderRuns(order []int32) [][3]int32 {
	var runs [][3]int32
	for i := 0; i < len(order); {
		first := order[i]
		stride := int32(1)
		if i+1 < len(order) && order[i+1] == first-1 {
			stride = -1
		}
		n := 1
		for i+n < len(order) && order[i+n] == first+int32(n)*stride {
			n++
		}
		runs = append(runs, [3]int32{first, int32(n), stride})
		i += n
	}
	return runs
}
