package testenv

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
)

// ConvertPlist writes the property list in to out, as a binary property
// list when binary is true and as XML otherwise, with a converter other than
// the Go library LimaBar writes plists with: plutil, macOS's own, on a Mac
// (plutil -convert binary1|xml1 -o out in), and libplist's plistutil on
// Linux. The test fails if the converter refuses the file; it is skipped
// where neither converter exists, as Tool says.
func ConvertPlist(t testing.TB, in, out string, binary bool) {
	t.Helper()
	var cmd *exec.Cmd
	if plistConverter() == "plutil" {
		format := "xml1"
		if binary {
			format = "binary1"
		}
		cmd = exec.Command(Tool(t, "plutil"), "-convert", format, "-o", out, in)
	} else {
		format := "xml"
		if binary {
			format = "bin"
		}
		cmd = exec.Command(Tool(t, "plistutil"), "-i", in, "-f", format, "-o", out)
	}
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, b)
		return
	}
	// plistutil 2.2.0 (Debian 12) exits 0 after "ERROR: Failed to convert
	// input file." and writes nothing, so success is a written file.
	if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
		t.Fatalf("%s wrote no %s (%v)\n%s", cmd, out, err, b)
	}
}

// plistConverter names the program ConvertPlist runs on this platform.
func plistConverter() string {
	if runtime.GOOS == "darwin" {
		return "plutil"
	}
	return "plistutil"
}
