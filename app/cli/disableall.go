package cli

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/limabar/limabar/autostart"
)

// wantsAll reports whether disable's arguments ask for --all (or -all,
// --all=true, as the flag package reads them).
func wantsAll(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name != "all" {
			continue
		}
		if !hasValue {
			return true
		}
		on, err := strconv.ParseBool(value)
		return err == nil && on
	}
	return false
}

// disableAll is `limabar disable --all`: it removes every registration of
// this account's instances that LimaBar or limactl wrote (login and boot,
// also of instances limactl no longer lists), boot first for each instance,
// as before uninstalling LimaBar, and checks that none is left. With
// --dry-run it prints the plan of each removal, made from the state as it is
// now, and changes nothing.
func (c *CLI) disableAll(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("disable", flag.ContinueOnError)
	fs.Bool("all", true, "remove every registration of every instance")
	dryRun := fs.Bool("dry-run", false, "print what would be done, and do nothing")
	asJSON := fs.Bool("json", false, "with --dry-run, print the steps as JSON")
	cond := fs.String("condition", "all", "only all goes with --all")
	pos, err := parse(fs, args)
	if err != nil {
		return 2, err
	}
	if *asJSON && !*dryRun {
		return 2, usageError{"--json goes with --dry-run"}
	}
	if len(pos) > 0 {
		return 2, usageError{"disable --all takes no instance names"}
	}
	if *cond != "all" {
		return 2, usageError{"disable --all removes both conditions; leave out --condition"}
	}
	b, err := c.Backend("")
	if err != nil {
		return 1, err
	}
	regs, err := b.Registered(ctx)
	if err != nil {
		return 1, err
	}
	if *dryRun {
		return c.dryRunAll(ctx, b, regs, *asJSON)
	}
	if len(regs) == 0 {
		fmt.Fprintln(c.Stdout, "No instance is registered to start at login or at boot.")
		return 0, nil
	}
	warned := map[string]bool{}
	for _, r := range regs {
		res, err := b.Disable(ctx, regID(r), r.Condition)
		if err != nil {
			return 1, fmt.Errorf("instance %q: %w", regID(r), err)
		}
		if w := oneLine(res.Warning); w != "" && !warned[w] {
			warned[w] = true
			fmt.Fprintf(c.Stderr, "limabar: warning: %s\n", w)
		}
		if res.Message != "" {
			fmt.Fprintln(c.Stdout, res.Message)
		}
	}
	left, err := b.Registered(ctx)
	if err != nil {
		return 1, err
	}
	if len(left) > 0 {
		var paths []string
		for _, r := range left {
			paths = append(paths, r.Path)
		}
		return 1, fmt.Errorf("still registered after the removal: %s", strings.Join(paths, ", "))
	}
	return 0, nil
}

// dryRunAll prints the plan that removes each registration.
func (c *CLI) dryRunAll(ctx context.Context, b Backend, regs []autostart.Registration, asJSON bool) (int, error) {
	out := dryRunOutput{c: c, asJSON: asJSON}
	if len(regs) == 0 && !asJSON {
		fmt.Fprintln(c.Stdout, "No instance is registered to start at login or at boot: nothing to remove.")
		return 0, nil
	}
	for _, r := range regs {
		p, err := b.PlanDisable(ctx, regID(r), r.Condition)
		if err != nil {
			return 1, fmt.Errorf("instance %q: %w", regID(r), err)
		}
		if err := out.add("disable", r.Condition, regID(r), p); err != nil {
			return 1, err
		}
	}
	if err := out.end(); err != nil {
		return 1, err
	}
	return 0, nil
}
