package elevate

import (
	"flag"
	"os"
	"testing"
)

// fuzzMinimizeTime is how much fuzzing spends minimizing each new input,
// unless -fuzzminimizetime says otherwise: a count of tries, like make
// fuzz's -fuzztime, so that no step of a bounded run ends on the clock.
//
// Go's default is 60s, and a worker reports nothing while it minimizes: for
// FuzzInstallScript, where every try runs the install and removal scripts
// (some twenty processes, 20-30 ms), minimizing one interesting input of a
// few hundred bytes takes the whole minute, and with both workers of a
// 2-core machine at it, a bounded run shows "execs: N (0/sec)" for long
// stretches while nothing new is tried. Forty tries take about a second.
// The inputs this target finds are small already, and a failing input is
// written out whole either way; pass -fuzzminimizetime=60s to shrink one
// for a report.
const fuzzMinimizeTime = "40x"

func TestMain(m *testing.M) {
	flag.Parse()
	if fuzzing() && !flagGiven("test.fuzzminimizetime") {
		if err := flag.Set("test.fuzzminimizetime", fuzzMinimizeTime); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}

// fuzzing reports whether this process runs with -fuzz.
func fuzzing() bool {
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}

func flagGiven(name string) bool {
	given := false
	flag.Visit(func(f *flag.Flag) {
		if f.Name == name {
			given = true
		}
	})
	return given
}
