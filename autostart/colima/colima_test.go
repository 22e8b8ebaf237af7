package colima

import "testing"

func TestNames(t *testing.T) {
	for _, c := range []struct{ profile, instance, agent, daemon, unit string }{
		{"default", "colima", "io.github.limabar.colima.autostart.default", "io.github.limabar.colima.daemon.default", "limabar-colima@default.service"},
		{"work", "colima-work", "io.github.limabar.colima.autostart.work", "io.github.limabar.colima.daemon.work", "limabar-colima@work.service"},
	} {
		if got := InstanceName(c.profile); got != c.instance {
			t.Errorf("InstanceName(%q) = %q, want %q", c.profile, got, c.instance)
		}
		if p, ok := ProfileOf(c.instance); !ok || p != c.profile {
			t.Errorf("ProfileOf(%q) = %q, %v, want %q, true", c.instance, p, ok, c.profile)
		}
		if got := AgentLabel(c.profile); got != c.agent {
			t.Errorf("AgentLabel(%q) = %q", c.profile, got)
		}
		if got := DaemonLabel(c.profile); got != c.daemon {
			t.Errorf("DaemonLabel(%q) = %q", c.profile, got)
		}
		if got := UnitName(c.profile); got != c.unit {
			t.Errorf("UnitName(%q) = %q", c.profile, got)
		}
	}
	if got := InstanceName(""); got != "colima" {
		t.Errorf(`InstanceName("") = %q, want "colima"`, got)
	}
	for _, n := range []string{"default", "dev", "colima-", "colimax"} {
		if p, ok := ProfileOf(n); ok {
			t.Errorf("ProfileOf(%q) = %q, true; want false", n, p)
		}
	}
	if err := CheckProfile("a/../b"); err == nil {
		t.Error(`CheckProfile("a/../b") = nil, want an error`)
	}
	if err := CheckProfile("work"); err != nil {
		t.Errorf(`CheckProfile("work") = %v`, err)
	}
}
