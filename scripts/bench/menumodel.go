package main

import (
	"fmt"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/menu"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/problem"
)

// menuInput is a snapshot of n instances as a busy user's machine has
// them: a third running, some registered for login or boot, every seventh
// with two problems, and one action in flight, so that every branch of the
// model is taken.
func menuInput(n int) menu.Input {
	snap := &state.Snapshot{
		Platform:           autostart.Linux,
		Limactl:            "/usr/local/bin/limactl",
		LimaHome:           "/home/alice/.lima",
		SelfStartSupported: true,
	}
	for i := range n {
		name := fmt.Sprintf("vm-%03d", i)
		dir := "/home/alice/.lima/" + name
		in := state.Instance{Instance: lima.Instance{
			Name: name, Status: lima.StatusStopped, Dir: dir,
			VMType: "qemu", Arch: "x86_64", CPUs: 4, Memory: 4 << 30, Disk: 100 << 30,
		}}
		if i%3 == 0 {
			in.Status = lima.StatusRunning
		}
		unit := "/home/alice/.config/systemd/user/lima-vm@" + name + ".service"
		in.Autostart = autostart.Status{
			Login: autostart.CondStatus{Supported: true, Path: unit, Problems: []autostart.Problem{}},
			Boot:  autostart.CondStatus{Supported: true, Path: unit, Problems: []autostart.Problem{}},
		}
		switch i % 5 {
		case 1:
			in.Autostart.Login.Enabled = true
		case 2:
			in.Autostart.Boot.Enabled = true
		}
		if i%7 == 0 {
			in.Autostart.Login.Enabled = true
			in.Autostart.Login.Problems = []autostart.Problem{
				{Code: problem.PathMissing, Message: "the job has no PATH of its own, so QEMU from Homebrew may not be found"},
				{Code: problem.NotEnabled, Message: "the unit file exists but is not enabled"},
			}
		}
		snap.Instances = append(snap.Instances, in)
	}
	busy := map[menu.Slot]menu.Action{}
	if n > 0 {
		a := menu.Action{Kind: menu.Enable, Instance: snap.Instances[0].Name, Condition: autostart.Login}
		s, _ := a.Slot()
		busy[s] = a
	}
	return menu.Input{Snapshot: snap, Busy: busy}
}
