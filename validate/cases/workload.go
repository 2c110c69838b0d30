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
type group struct {
	name    string
	count   int
	parked  int32
	release chan struct{}
}

func newGroup(name string, count int) *group {
	return &group{name: name, count: count, release: make(chan struct{})}
}

// park counts this worker in and blocks until the group is released.
// Waking main from here instead would cost the last worker a deeper call
// chain and grow its stack, so main polls the count.
func (g *group) park() {
	atomic.AddInt32(&g.parked, 1)
	<-g.release
}

// descend recurses depth more frames, then parks when g is not nil. The
// array is written and read back so the compiler keeps it in the frame.
//
//go:noinline
func descend(depth int, g *group) uintptr {
	var pad [padWords]uintptr
	pad[depth%padWords] = uintptr(depth)
	if depth > 0 {
		return descend(depth-1, g) + pad[(depth+1)%padWords]
	}
	if g != nil {
		g.park()
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
		go func() {
			if peakDepth > parkDepth {
				descend(peakDepth, nil)
			}
			descend(parkDepth, g)
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
