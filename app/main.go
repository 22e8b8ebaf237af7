// Command limabar is LimaBar: with no arguments the menu-bar app, otherwise
// a small command line (see cli.Usage).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"os/user"
	"syscall"

	"github.com/limabar/limabar/app/cli"
	"github.com/limabar/limabar/app/hostenv"
)

// version, commit and date are set at build time with -ldflags
// "-X main.version=… -X main.commit=… -X main.date=…" (make build, make
// bundle, the release workflow); a plain go build leaves version "dev".
var (
	version = "dev"
	commit  string
	date    string
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) < 2 {
		if err := runApp(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "limabar: %v\n", err)
			os.Exit(1)
		}
		return
	}
	platform, err := hostenv.CurrentPlatform()
	if err != nil {
		fmt.Fprintf(os.Stderr, "limabar: %v\n", err)
		os.Exit(2)
	}
	c := &cli.CLI{Stdout: os.Stdout, Stderr: os.Stderr, Version: version, Build: cli.ReadBuild(version, commit, date), Platform: platform, IsRoot: os.Geteuid() == 0, User: currentUser(), Backend: newBackend}
	os.Exit(c.Run(ctx, os.Args[1:]))
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}
