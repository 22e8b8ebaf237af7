// Command gen draws LimaBar's icons into the assets folder. Run it with
// `go generate ./assets`; a test checks that the committed PNGs are what it
// draws.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/limabar/limabar/assets/internal/art"
)

func main() {
	out := flag.String("o", ".", "folder to write the PNGs to")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
}

func run(out string) error {
	files, err := art.Render()
	if err != nil {
		return err
	}
	for _, f := range files {
		path := filepath.Join(out, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}
