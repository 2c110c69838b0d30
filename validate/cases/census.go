// Census of every G the runtime knows, read straight from its allgs table.
//
// The public API cannot tell how many bytes of its stack a parked goroutine
// uses, nor which Gs sit dead on free lists still holding a stack. The
// runtime's shrink rule and adaptive start size both read hi - sched.sp of
// parked Gs, so that is the figure the simulator must be driven with. This
// file reads it the way the runtime does: it links to runtime.allgs and
// overlays the leading fields of the runtime's g record with a struct that
// repeats their types. The overlay is checked against the running goroutine
// (status, goroutine id and stack bounds) before any figure is trusted.
package main

import (
	"bytes"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"unsafe"
)

//go:linkname runtimeAllGPtrs runtime.allgs
var runtimeAllGPtrs []unsafe.Pointer

// allGs views allgs as overlays. It is called only while no goroutine can
// be created, so the slice header read here stays valid.
func allGs() []*gHead {
	return *(*[]*gHead)(unsafe.Pointer(&runtimeAllGPtrs))
}

// stackBounds mirrors the runtime's stack record: [lo, hi).
type stackBounds struct {
	lo, hi uintptr
}

// savedRegs mirrors the runtime's gobuf (register state of a parked G).
type savedRegs struct {
	sp, pc, g, ctxt, ret, lr, bp uintptr
}

// gHead repeats, field for field and type for type, the start of the Go
// 1.19 runtime's g record up to the goroutine's start PC. Only the fields
// this program reads are named; the rest keep the layout.
type gHead struct {
	stack          stackBounds
	guard0, guard1 uintptr
	panicRec       uintptr
	deferRec       uintptr
	m              uintptr
	sched          savedRegs
	syscallSP      uintptr
	syscallPC      uintptr
	topSP          uintptr
	param          uintptr
	status         uint32
	stackLock      uint32
	goid           int64
	schedLink      uintptr
	waitSince      int64
	waitReason     uint8
	flags          [9]bool
	raceIgnore     int8
	traceFlags     [3]bool
	runnableStamp  int64
	runnableTime   int64
	sysExitTicks   int64
	traceSeq       uint64
	traceLastP     uintptr
	lockedM        uintptr
	sig            uint32
	writeBuf       []byte
	sigCode0       uintptr
	sigCode1       uintptr
	sigPC          uintptr
	goPC           uintptr
	ancestors      uintptr
	startPC        uintptr
}

// Runtime G status values (runtime2.go); the scan bit may be or-ed in.
const (
	statusRunning = 2
	statusWaiting = 4
	statusSyscall = 3
	statusDead    = 6
	statusScanBit = 0x1000
)

// gRecord is one G as the census saw it.
type gRecord struct {
	Goid       int64  `json:"goid"`
	Status     string `json:"status"`
	Func       string `json:"func"`
	StackBytes uint64 `json:"stackBytes"`
	UsedBytes  uint64 `json:"usedBytes"`
}

// census is what a checkpoint records about Gs.
type census struct {
	// Runtime holds every live G that is not a case worker, main included.
	Runtime []gRecord `json:"runtime"`
	// WorkersByStack counts live case workers by stack size in bytes.
	WorkersByStack map[string]int `json:"workersByStack"`
	// WorkerUsed summarises the workers' used bytes (hi - sched.sp).
	WorkerUsed *usedSummary `json:"workerUsed,omitempty"`
	// DeadWithStack counts dead Gs holding a stack, by its size.
	DeadWithStack map[string]int `json:"deadWithStack"`
	// DeadNoStack counts dead Gs without a stack.
	DeadNoStack int `json:"deadNoStack"`
	// AllGs is len(allgs): every G ever made.
	AllGs int `json:"allGs"`
}

type usedSummary struct {
	Min    uint64 `json:"min"`
	Median uint64 `json:"median"`
	Max    uint64 `json:"max"`
}

// currentGoid parses the goroutine id out of this goroutine's trace header.
func currentGoid() int64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	fields := bytes.Fields(buf[:n])
	if len(fields) < 2 {
		return -1
	}
	id, err := strconv.ParseInt(string(fields[1]), 10, 64)
	if err != nil {
		return -1
	}
	return id
}

// checkLayout fails unless the overlay reads the running goroutine
// correctly: found by its id, running, a power-of-two stack holding a local.
func checkLayout() error {
	goid := currentGoid()
	var local uintptr
	here := uintptr(unsafe.Pointer(&local))
	for _, gp := range allGs() {
		if gp.goid != goid {
			continue
		}
		size := gp.stack.hi - gp.stack.lo
		switch {
		case gp.status&^statusScanBit != statusRunning:
			return fmt.Errorf("g layout: goroutine %d has status %d, want running",
				goid, gp.status)
		case size == 0 || size&(size-1) != 0:
			return fmt.Errorf("g layout: stack size %d is not a power of two", size)
		case here < gp.stack.lo || here >= gp.stack.hi:
			return fmt.Errorf("g layout: local %#x outside stack [%#x, %#x)",
				here, gp.stack.lo, gp.stack.hi)
		}
		return nil
	}
	return fmt.Errorf("g layout: no G with id %d in allgs", goid)
}

// isWorker tells case workers from the runtime's own goroutines.
func isWorker(fn string) bool {
	return len(fn) > 5 && fn[:5] == "main." && fn != "main.main"
}

// takeCensus walks allgs. It must run while no other goroutine is running
// (GOMAXPROCS=1, or every worker parked) since it reads without locks.
func takeCensus() census {
	var local uintptr
	here := uintptr(unsafe.Pointer(&local))
	out := census{
		WorkersByStack: map[string]int{},
		DeadWithStack:  map[string]int{},
		AllGs:          len(allGs()),
	}
	var workerUsed []uint64
	for _, gp := range allGs() {
		size := uint64(gp.stack.hi - gp.stack.lo)
		status := gp.status &^ statusScanBit
		if status == statusDead {
			if gp.stack.lo == 0 {
				out.DeadNoStack++
			} else {
				out.DeadWithStack[strconv.FormatUint(size, 10)]++
			}
			continue
		}
		rec := gRecord{Goid: gp.goid, StackBytes: size, Status: "waiting"}
		rec.Func = funcName(gp.startPC)
		switch {
		case status == statusRunning:
			rec.Status = "running"
			rec.UsedBytes = uint64(gp.stack.hi - here)
		case status == statusSyscall && gp.syscallSP != 0:
			rec.Status = "syscall"
			rec.UsedBytes = uint64(gp.stack.hi - gp.syscallSP)
		default:
			rec.UsedBytes = uint64(gp.stack.hi - gp.sched.sp)
		}
		if isWorker(rec.Func) {
			out.WorkersByStack[strconv.FormatUint(size, 10)]++
			workerUsed = append(workerUsed, rec.UsedBytes)
			continue
		}
		out.Runtime = append(out.Runtime, rec)
	}
	if len(workerUsed) > 0 {
		sort.Slice(workerUsed, func(i, j int) bool { return workerUsed[i] < workerUsed[j] })
		out.WorkerUsed = &usedSummary{
			Min:    workerUsed[0],
			Median: workerUsed[len(workerUsed)/2],
			Max:    workerUsed[len(workerUsed)-1],
		}
	}
	return out
}

var funcNames = map[uintptr]string{}

func funcName(pc uintptr) string {
	if name, ok := funcNames[pc]; ok {
		return name
	}
	name := "?"
	if f := runtime.FuncForPC(pc); f != nil {
		name = f.Name()
	}
	funcNames[pc] = name
	return name
}

// maxGoid is the largest goroutine id in allgs: workers spawned after it
// was read have larger ids.
func maxGoid() int64 {
	var max int64
	for _, gp := range allGs() {
		if gp.goid > max {
			max = gp.goid
		}
	}
	return max
}

// measureGroup summarises the live workers with ids above afterGoid.
func measureGroup(afterGoid int64) *groupReport {
	rep := &groupReport{StackBytes: map[string]int{}}
	var used []uint64
	for _, gp := range allGs() {
		status := gp.status &^ statusScanBit
		if gp.goid <= afterGoid || status == statusDead || !isWorker(funcName(gp.startPC)) {
			continue
		}
		size := uint64(gp.stack.hi - gp.stack.lo)
		rep.StackBytes[strconv.FormatUint(size, 10)]++
		used = append(used, uint64(gp.stack.hi-gp.sched.sp))
	}
	rep.ParkedWorkers = len(used)
	if len(used) > 0 {
		sort.Slice(used, func(i, j int) bool { return used[i] < used[j] })
		rep.UsedBytes = usedSummary{used[0], used[len(used)/2], used[len(used)-1]}
	}
	return rep
}

// countWaiting counts parked workers with ids above afterGoid.
func countWaiting(afterGoid int64) int {
	n := 0
	for _, gp := range allGs() {
		if gp.goid > afterGoid && gp.status&^statusScanBit == statusWaiting &&
			isWorker(funcName(gp.startPC)) {
			n++
		}
	}
	return n
}
