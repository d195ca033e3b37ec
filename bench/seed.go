// The seed: Go's stateful goroutine (gobyexample.com/stateful-goroutines),
// one goroutine owning a map, callers sending request structs that carry a
// new reply channel per operation. Measures the same get/set mix over 1,024
// keys as bench/suite.ts, with 1 caller and with 1,000 concurrent callers,
// and prints medians as JSON for bench/run.mjs.
//
//	go run bench/seed.go [-rounds 7] [-ms 120]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"time"
)

type readOp struct {
	key  int
	resp chan int
}

type writeOp struct {
	key  int
	val  int
	resp chan bool
}

type owner struct {
	reads  chan readOp
	writes chan writeOp
}

func startOwner() owner {
	o := owner{reads: make(chan readOp), writes: make(chan writeOp)}
	go func() {
		state := make(map[int]int)
		for {
			select {
			case read := <-o.reads:
				read.resp <- state[read.key]
			case write := <-o.writes:
				state[write.key] = write.val
				write.resp <- true
			}
		}
	}()
	return o
}

// loop does m operations in sequence: even i sets, odd i gets.
func (o owner) loop(base, m int) {
	for i := base; i < base+m; i++ {
		if i&1 == 1 {
			read := readOp{key: i & 1023, resp: make(chan int)}
			o.reads <- read
			<-read.resp
		} else {
			write := writeOp{key: i & 1023, val: i, resp: make(chan bool)}
			o.writes <- write
			<-write.resp
		}
	}
}

func (o owner) run(n, callers int) int {
	m := n / callers
	if m < 1 {
		m = 1
	}
	var wg sync.WaitGroup
	wg.Add(callers)
	for c := 0; c < callers; c++ {
		go func(c int) {
			defer wg.Done()
			o.loop(c*m, m)
		}(c)
	}
	wg.Wait()
	return m * callers
}

func opsPerSecond(o owner, callers, rounds int, sample time.Duration) float64 {
	n := 4096
	for { // calibrate (and warm up)
		start := time.Now()
		o.run(n, callers)
		if d := time.Since(start); d >= sample/4 {
			n = int(float64(n) * float64(sample) / float64(d))
			break
		}
		n *= 2
	}
	results := make([]float64, rounds)
	for r := range results {
		start := time.Now()
		done := o.run(n, callers)
		results[r] = float64(done) / time.Since(start).Seconds()
	}
	sort.Float64s(results)
	return results[rounds/2]
}

func main() {
	rounds := flag.Int("rounds", 7, "rounds; the median is reported")
	ms := flag.Int("ms", 120, "milliseconds per round")
	flag.Parse()
	o := startOwner()
	sample := time.Duration(*ms) * time.Millisecond
	out := map[string]interface{}{
		"version": runtime.Version(),
		"procs":   runtime.GOMAXPROCS(0),
		"one":     opsPerSecond(o, 1, *rounds, sample),
		"many":    opsPerSecond(o, 1000, *rounds, sample),
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
