package autostart

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/limabar/limabar/autostart/problem"
	"github.com/limabar/limabar/autostart/systemd"
)

// TestLinuxStatusAllReadsEachInstancesLinks: one read of many instances
// lists the .wants folders once; each instance must still see only the links
// of its own unit.
func TestLinuxStatusAllReadsEachInstancesLinks(t *testing.T) {
	f := newFixture(t, Linux)
	unitDir := filepath.Dir(f.unitPath())
	must(t, os.MkdirAll(unitDir, 0o755))
	unit, err := systemd.Unit(f.m.backend.(*systemdBackend).params())
	must(t, err)
	link := func(target, name string) {
		t.Helper()
		d := filepath.Join(unitDir, target+".wants")
		must(t, os.MkdirAll(d, 0o755))
		must(t, os.Symlink(filepath.Join(unitDir, systemd.UnitName(name)), filepath.Join(d, systemd.UnitName(name))))
	}
	var insts []Instance
	for _, name := range []string{"on", "off", "old", "none"} {
		in := Instance{Name: name, Dir: filepath.Join(f.env.LimaHome, name)}
		must(t, os.MkdirAll(in.Dir, 0o755))
		insts = append(insts, in)
		if name != "none" {
			must(t, os.WriteFile(filepath.Join(unitDir, systemd.UnitName(name)), unit, 0o644))
		}
	}
	link("default.target", "on")
	link("multi-user.target", "old")
	link("graphical.target", "none") // a dangling link of a unit that is gone

	all, err := f.m.StatusAll(context.Background(), insts)
	must(t, err)
	want := map[string][]string{
		"on":   nil,
		"off":  {problem.NotEnabled},
		"old":  {problem.WrongTarget},
		"none": nil,
	}
	for i, in := range insts {
		got := all[i].Login
		if got.Enabled != (in.Name != "none") {
			t.Errorf("%s: enabled = %v", in.Name, got.Enabled)
		}
		if c := codes(got.Problems); !reflect.DeepEqual(c, want[in.Name]) {
			t.Errorf("%s: problems %q, want %q", in.Name, c, want[in.Name])
		}
		one, err := f.m.Status(context.Background(), in)
		must(t, err)
		if !reflect.DeepEqual(one, all[i]) {
			t.Errorf("%s: StatusAll gave %+v, Status %+v", in.Name, all[i], one)
		}
	}
}

// BenchmarkLinuxStatusAll reads the registrations of 500 instances, every
// other one registered for login and enabled (a default.target.wants link),
// as one refresh of the menu does. It guards the one listing of the .wants
// folders per read: a listing per instance made a refresh grow with the
// square of the number of instances.
func BenchmarkLinuxStatusAll(b *testing.B) {
	const n = 500
	f := newFixture(b, Linux)
	unitDir := filepath.Dir(f.unitPath())
	wants := filepath.Join(unitDir, "default.target.wants")
	must(b, os.MkdirAll(wants, 0o755))
	unit, err := systemd.Unit(f.m.backend.(*systemdBackend).params())
	must(b, err)
	insts := make([]Instance, n)
	for i := range insts {
		name := fmt.Sprintf("vm%03d", i)
		insts[i] = Instance{Name: name, Dir: filepath.Join(f.env.LimaHome, name)}
		must(b, os.MkdirAll(insts[i].Dir, 0o755))
		if i%2 == 0 {
			path := filepath.Join(unitDir, systemd.UnitName(name))
			must(b, os.WriteFile(path, unit, 0o644))
			must(b, os.Symlink(path, filepath.Join(wants, systemd.UnitName(name))))
		}
	}
	ctx := context.Background()
	// One read outside the timing checks that the world is what it is
	// meant to be, so that the benchmark never times a broken read.
	all, err := f.m.StatusAll(ctx, insts)
	must(b, err)
	for i, st := range all {
		if st.Login.Enabled != (i%2 == 0) || len(st.Login.Problems) != 0 || st.Boot.Enabled {
			b.Fatalf("%s: status %+v", insts[i].Name, st)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.m.StatusAll(ctx, insts); err != nil {
			b.Fatal(err)
		}
	}
}
