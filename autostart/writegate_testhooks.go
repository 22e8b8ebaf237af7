//go:build testhooks

package autostart

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
)

// testGateVar names a folder with two named pipes, enter and go, through
// which the kill test holds a write in flight: compiled only into a binary
// built with `-tags testhooks`.
const testGateVar = "LIMABAR_TEST_GATE"

// writeGate is called by OSFiles.WriteFile once the new content is whole in
// the temporary file and before it is renamed over path. With
// LIMABAR_TEST_GATE set it writes "write PATH" to the folder's enter pipe
// and waits for a line on its go pipe, so that a test can kill the process
// while the write is known to be in flight.
func writeGate(path string) {
	dir := os.Getenv(testGateVar)
	if dir == "" {
		return
	}
	if f, err := os.OpenFile(filepath.Join(dir, "enter"), os.O_WRONLY, 0); err == nil {
		fmt.Fprintf(f, "write %s\n", path)
		f.Close()
	}
	if f, err := os.Open(filepath.Join(dir, "go")); err == nil {
		_, _ = bufio.NewReader(f).ReadString('\n')
		f.Close()
	}
}
