// Command bench measures what LimaBar costs on a user's machine and how fast
// it reacts, on Linux, with the real binary: the tray under Xvfb, a real
// systemd user manager and the session bus it runs and is on (as on a
// desktop), Lima's limactl v1.2.1 for
// the refresh figures and a stub limactl for the tray. It also runs the
// fault tests and writes everything to docs/PERFORMANCE.md.
//
//	go run ./scripts/bench -out docs/PERFORMANCE.md   # the recorded figures (about 15 minutes)
//	go run ./scripts/bench -quick                     # a short try (about 2 minutes), printed only
//	go run ./scripts/bench -quick -only tray -app DIR  # the tray figures of the LimaBar in DIR, to compare
//
// It needs root, like the end-to-end tests: the systemd user manager gets a
// cgroup of its own through scripts/testenv, and limactl runs as nobody.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// config is how much to measure.
type config struct {
	out         string
	quick       bool
	startRuns   int
	idle        time.Duration
	changeRuns  int
	clickRuns   int
	sizes       []int
	refreshRuns int
	soak        time.Duration
	faults      bool
	// only names the sections to run (tray, refresh, menu, soak, faults);
	// empty runs them all.
	only []string
	// app is the module folder LimaBar is built from; empty is this one.
	app string
}

func main() {
	log.SetFlags(log.Ltime)
	log.SetPrefix("bench: ")
	cfg := config{startRuns: 10, idle: 60 * time.Second, changeRuns: 50, clickRuns: 50,
		sizes: []int{10, 100, 500}, refreshRuns: 10, faults: true}
	flag.StringVar(&cfg.out, "out", "", "write the report to this file (default: print it)")
	flag.BoolVar(&cfg.quick, "quick", false, "fewer runs and shorter waits, to try the harness")
	flag.DurationVar(&cfg.soak, "soak", 10*time.Minute, "how long the soak runs")
	flag.BoolVar(&cfg.faults, "faults", true, "run the fault tests and report them")
	only := flag.String("only", "", "run only these sections, comma-separated: tray, refresh, menu, soak, faults")
	flag.StringVar(&cfg.app, "app", "", "build LimaBar from this module folder (another checkout, to compare versions)")
	starts := flag.Int("starts", 0, "how many start-to-menu runs of each program (default 10, 3 with -quick)")
	flag.Parse()
	if cfg.quick {
		cfg.startRuns, cfg.idle, cfg.changeRuns, cfg.clickRuns = 3, 10*time.Second, 10, 10
		cfg.sizes, cfg.refreshRuns = []int{10, 100}, 3
		if !flagSet("soak") {
			cfg.soak = 30 * time.Second
		}
		if !flagSet("faults") {
			cfg.faults = false
		}
	}
	if *only != "" {
		cfg.only = strings.Split(*only, ",")
	}
	if *starts > 0 {
		cfg.startRuns = *starts
	}
	if runtime.GOOS != "linux" {
		log.Fatal("the benchmarks run on Linux")
	}
	if os.Geteuid() != 0 {
		log.Fatal("the benchmarks need root (a systemd user manager in a cgroup of its own, limactl as nobody)")
	}
	cleanUpOnSignal()
	r, err := run(cfg)
	if err != nil {
		log.Fatal(err)
	}
	doc := r.markdown()
	if cfg.out == "" {
		fmt.Print(doc)
		return
	}
	if err := os.WriteFile(cfg.out, []byte(doc), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %s", cfg.out)
}

func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// run measures everything; a section that fails is reported in the
// document as not measured, and the others still run.
func run(cfg config) (*report, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	r := &report{cfg: cfg, began: time.Now(), machine: describeMachine(), loadBefore: loadAverage()}
	bin, err := os.MkdirTemp("/tmp", "limabar-bench-bin-")
	if err != nil {
		return nil, err
	}
	// The binaries go when the run ends, or is interrupted.
	top := &harness{}
	active.Lock()
	active.hs = append(active.hs, top)
	active.Unlock()
	top.Cleanup(func() { os.RemoveAll(bin) })
	defer top.close()
	os.Chmod(bin, 0o755)
	bins := binaries{limabar: filepath.Join(bin, "limabar"), minimal: filepath.Join(bin, "minimal")}
	for out, pkg := range map[string]string{bins.limabar: "./app", bins.minimal: "./scripts/bench/minimal"} {
		log.Printf("building %s", pkg)
		// The test-only switches place the system paths under the
		// bench's own root; the minimal program ignores the tag.
		cmd := exec.Command("go", "build", "-tags", "testhooks", "-o", out, pkg)
		cmd.Dir = root
		if out == bins.limabar && cfg.app != "" {
			cmd.Dir = cfg.app
		}
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
		}
	}

	section := func(key, name string, f func(h *harness)) {
		if len(cfg.only) > 0 && !slices.Contains(cfg.only, key) {
			return
		}
		log.Printf("%s…", name)
		began := time.Now()
		if err := scope(f); err != nil {
			log.Printf("%s failed: %v", name, err)
			r.failures = append(r.failures, fmt.Sprintf("%s: %v", name, err))
			return
		}
		log.Printf("%s done in %s", name, time.Since(began).Round(time.Second))
	}
	section("tray", "tray: start, idle, unrelated units, outside change, click", func(h *harness) { trayFigures(h, cfg, bins, r) })
	section("refresh", "refresh against limactl list", func(h *harness) { refreshFigures(h, cfg, r) })
	section("menu", "menu model", func(h *harness) { menuFigures(r) })
	section("soak", "soak", func(h *harness) { soakFigures(h, cfg, bins, r) })
	if cfg.faults {
		section("faults", "fault tests", func(h *harness) { faultFigures(h, root, r) })
	}
	r.took = time.Since(r.began)
	r.loadAfter = loadAverage()
	return r, nil
}

// binaries are the programs under test, built once.
type binaries struct{ limabar, minimal string }

// repoRoot is the folder of this module's go.mod.
func repoRoot() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("find the repository: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}
