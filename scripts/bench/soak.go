package main

import (
	"bufio"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/limabar/limabar/scripts/testenv"
)

// soakSample is the state of the soaked process at one moment.
type soakSample struct {
	at        time.Duration
	rss, anon int64
	fds       int
	threads   int
	cpu       time.Duration
	// widgets are the menu items the tray has made so far, shown or
	// hidden (GetLayout lists both): each has one goroutine that waits
	// for its clicks, so goroutines may follow widgets but nothing else.
	widgets int
}

// goroutineCount is the number of live goroutines at one moment, from the
// runtime's own scheduler trace (GODEBUG=schedtrace,scheddetail), which
// lists every goroutine: LimaBar has no debug endpoint, and none is added
// for the benchmark.
type goroutineCount struct {
	at time.Duration
	n  int
}

// soakFigures runs the tray while instance folders appear and disappear 5
// times a second, and samples file descriptors, goroutines and memory. The
// runtime's trace and the samples fall at whole periods since the process
// started; the changes pause for a moment around each, so that a refresh in
// flight (an exec's pipes and goroutines) is not taken for growth.
func soakFigures(h *harness, cfg config, bins binaries, r *report) {
	e := newTrayEnv(h)
	every := min(time.Minute, cfg.soak/10)
	quietBefore, sampleAt, resumeAt := min(1500*time.Millisecond, every/4), min(300*time.Millisecond, every/10), min(500*time.Millisecond, every/6)
	lb := e.start("limabar-soak", bins.limabar,
		fmt.Sprintf("GODEBUG=schedtrace=%d,scheddetail=1", every.Milliseconds()))
	e.waitMenu(lb, 10*time.Millisecond, e.showsAll)
	quiet := func() bool {
		since := time.Since(lb.began)
		k := (since + every/2) / every
		return k >= 1 && since > k*every-quietBefore && since < k*every+resumeAt
	}

	c := &menuClient{conn: e.conn, pid: uint32(lb.pid())}
	sampleNow := func() {
		u, err := readUsage(lb.pid())
		if err != nil {
			h.Fatal(err)
		}
		m, err := c.layout()
		if err != nil {
			h.Fatal(err)
		}
		r.soak = append(r.soak, soakSample{at: time.Since(lb.began), rss: u.RSS, anon: u.Anon, fds: u.FDs, threads: u.Threads, cpu: u.CPU, widgets: m.widgets()})
		last := r.soak[len(r.soak)-1]
		log.Printf("soak %s: rss %d kB, anon %d kB, %d fds, %d threads, cpu %s, %d menu items", last.at.Round(time.Second),
			last.rss/1024, last.anon/1024, last.fds, last.threads, last.cpu, last.widgets)
	}
	// The first sample, before any change, once the first period's trace
	// is out.
	time.Sleep(time.Until(lb.began.Add(every + sampleAt)))
	sampleNow()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	changes := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if quiet() {
				continue
			}
			dir := filepath.Join(e.limaHome, fmt.Sprintf("soak-%d", i/2))
			if i%2 == 0 {
				if os.Mkdir(dir, 0o755) == nil {
					os.WriteFile(filepath.Join(dir, "lima.yaml"), []byte(testenv.MinimalLimaYAML), 0o644)
				}
			} else {
				os.RemoveAll(dir)
			}
			i++
			changes++
		}
	}()
	began := time.Now()
	for k := 2; time.Duration(k-1)*every <= cfg.soak; k++ {
		time.Sleep(time.Until(lb.began.Add(time.Duration(k)*every + sampleAt)))
		if lb.exited() {
			close(stop)
			wg.Wait()
			h.Fatalf("limabar exited during the soak; output:\n%s", lb.logTail())
		}
		sampleNow()
	}
	close(stop)
	wg.Wait()
	r.soakChanges = changes
	r.soakLength = time.Since(began)
	r.soakEvery = every
	r.soakQuiet, r.soakResume, r.soakSampleAt = quietBefore, resumeAt, sampleAt

	// After the churn the menu must show exactly the instances left.
	matches, _ := filepath.Glob(filepath.Join(e.limaHome, "soak-*"))
	for _, m := range matches {
		os.RemoveAll(m)
	}
	settled := time.Now()
	for {
		m, err := c.layout()
		if err == nil {
			got := m.names()
			slices.Sort(got)
			if slices.Equal(got, e.names) {
				r.soakSettled = time.Since(settled)
				break
			}
		}
		if time.Since(settled) > 10*time.Second {
			r.soakSettled = -1
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	lb.stop()
	r.soakGoroutines = goroutinesFromTrace(lb.log)
}

var (
	schedLine = regexp.MustCompile(`^SCHED (\d+)ms:`)
	gLine     = regexp.MustCompile(`^\s+G\d+: status=(\d+)`)
)

// goroutinesFromTrace counts the goroutines that are not dead (status 6,
// kept by the runtime for reuse) in each block of a scheduler trace.
func goroutinesFromTrace(path string) []goroutineCount {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []goroutineCount
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		line := s.Text()
		if m := schedLine.FindStringSubmatch(line); m != nil {
			ms, _ := strconv.Atoi(m[1])
			out = append(out, goroutineCount{at: time.Duration(ms) * time.Millisecond})
			continue
		}
		if m := gLine.FindStringSubmatch(line); m != nil && len(out) > 0 && m[1] != "6" {
			out[len(out)-1].n++
		}
	}
	// The block being written when the process stopped may be cut short.
	if len(out) > 0 && !strings.HasSuffix(readTail(path), "\n") {
		out = out[:len(out)-1]
	}
	return out
}

func readTail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 10 {
		b = b[len(b)-10:]
	}
	return string(b)
}
