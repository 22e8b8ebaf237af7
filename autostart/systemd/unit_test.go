package systemd

import (
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestUnitMatchesGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		p      Params
		golden string
	}{
		{"default LIMA_HOME", Params{Limactl: "/usr/local/bin/limactl", PATH: "/usr/local/bin:/opt/homebrew/bin:/usr/bin:/bin:/usr/sbin:/sbin"}, "default.service"},
		{"custom LIMA_HOME with quotes, dollar and percent", Params{
			Limactl:  "/home/alice/bin/lima 100%/limactl",
			PATH:     "/home/alice/bin/lima 100%:/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
			LimaHome: `/srv/vms/"lima" $HOME`,
		}, "custom-lima-home.service"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Unit(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile("testdata/" + tc.golden)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("unit differs from testdata/%s:\n%s", tc.golden, got)
			}
			f, err := Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			info, err := Inspect(f)
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{tc.p.Limactl, "start", "%i", "--foreground"}; !reflect.DeepEqual(info.ExecStart, want) {
				t.Errorf("ExecStart = %q, want %q", info.ExecStart, want)
			}
			if info.Environment["PATH"] != tc.p.PATH || info.Environment["LIMA_HOME"] != tc.p.LimaHome {
				t.Errorf("Environment = %q", info.Environment)
			}
			if !reflect.DeepEqual(info.WantedBy, []string{"default.target"}) {
				t.Errorf("WantedBy = %q", info.WantedBy)
			}
		})
	}
}

// TestUnitRefusesWhatAUnitCannotHold: a control character would end or
// bend the setting, bytes that are not UTF-8 would be written as U+FFFD,
// and systemd ignores a setting with a noncharacter in it. Each is refused
// with the value and the character named.
func TestUnitRefusesWhatAUnitCannotHold(t *testing.T) {
	for _, tc := range []struct {
		p    Params
		want string
	}{
		{Params{Limactl: "/bin/lima\nctl", PATH: "/bin"}, "the limactl path contains a character a unit file cannot hold (U+000A)"},
		{Params{Limactl: "/bin/limactl", PATH: "/bin", LimaHome: "/x\n[Service]\nExecStartPre=/bin/rm"}, "the LIMA_HOME path contains a character a unit file cannot hold (U+000A)"},
		{Params{Limactl: "/bin/limactl", PATH: "/b\rin"}, "the job's PATH contains a character a unit file cannot hold (U+000D)"},
		{Params{Limactl: "/bin/lima\x7fctl", PATH: "/bin"}, "the limactl path contains a character a unit file cannot hold (U+007F)"},
		{Params{Limactl: "/bin/lima\u0085ctl", PATH: "/bin"}, "the limactl path contains a character a unit file cannot hold (U+0085)"},
		{Params{Limactl: "/bin/lima\xffctl", PATH: "/bin"}, "the limactl path contains a character a unit file cannot hold (byte 0xFF, not UTF-8)"},
		{Params{Limactl: "/bin/limactl", PATH: "/bin", LimaHome: "/vms\xed\xa0\x80"}, "the LIMA_HOME path contains a character a unit file cannot hold (byte 0xED, not UTF-8)"},
		{Params{Limactl: "/bin/limactl", PATH: "/bin", LimaHome: "/vms\ufffe"}, "the LIMA_HOME path contains a character a unit file cannot hold (U+FFFE)"},
		{Params{Limactl: "/bin/lima\uffffctl", PATH: "/bin"}, "the limactl path contains a character a unit file cannot hold (U+FFFF)"},
		{Params{Limactl: "/bin/lima\ufdd0ctl", PATH: "/bin"}, "the limactl path contains a character a unit file cannot hold (U+FDD0)"},
		{Params{Limactl: "/bin/lima\ufdefctl", PATH: "/bin"}, "the limactl path contains a character a unit file cannot hold (U+FDEF)"},
		{Params{Limactl: "/bin/lima\U0001FFFEctl", PATH: "/bin"}, "the limactl path contains a character a unit file cannot hold (U+1FFFE)"},
		{Params{Limactl: "", PATH: "/bin"}, "the limactl path is empty"},
	} {
		out, err := Unit(tc.p)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Unit(%q): got %v, want %q\n%s", tc.p, err, tc.want, out)
		}
	}
}

// TestUnitKeepsWhatAUnitCanHold: the characters next to the refused ones
// are written and read back unchanged, U+FFFD itself included.
func TestUnitKeepsWhatAUnitCanHold(t *testing.T) {
	for _, s := range []string{"\ufdcf", "\ufdf0", "\ufffd", "\ufffc", "\U0001FFFD", "\u00a0", "\u2028"} {
		p := Params{Limactl: "/opt/x" + s + "/limactl", PATH: "/opt/x" + s + ":/bin", LimaHome: "/vms" + s}
		data, err := Unit(p)
		if err != nil {
			t.Errorf("%+q: %v", s, err)
			continue
		}
		f, err := Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		info, err := Inspect(f)
		if err != nil {
			t.Fatal(err)
		}
		if info.ExecStart[0] != p.Limactl || info.Environment["PATH"] != p.PATH || info.Environment["LIMA_HOME"] != p.LimaHome {
			t.Errorf("%+q: read back %q, %q", s, info.ExecStart, info.Environment)
		}
	}
}

func TestInspectLimactlUnit(t *testing.T) {
	data, err := os.ReadFile("testdata/limactl-v1.2.1.service")
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	info, err := Inspect(f)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/usr/local/bin/limactl", "start", "%i", "--foreground"}; !reflect.DeepEqual(info.ExecStart, want) {
		t.Errorf("ExecStart = %q", info.ExecStart)
	}
	if len(info.Environment) != 0 {
		t.Errorf("Environment = %q, want none", info.Environment)
	}
}

func TestParse(t *testing.T) {
	in := "# comment\n[Unit]\nDescription=x\n\n[Service]\n; other comment\nExecStart=/bin/a \\\n  start %i\nEnvironment=A=1 \"B=two words\"\nEnvironment=C=3\n[Install]\nWantedBy=multi-user.target default.target\n"
	f, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	info, err := Inspect(f)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/bin/a", "start", "%i"}; !reflect.DeepEqual(info.ExecStart, want) {
		t.Errorf("ExecStart = %q, want %q", info.ExecStart, want)
	}
	if want := map[string]string{"A": "1", "B": "two words", "C": "3"}; !reflect.DeepEqual(info.Environment, want) {
		t.Errorf("Environment = %q, want %q", info.Environment, want)
	}
	if want := []string{"multi-user.target", "default.target"}; !reflect.DeepEqual(info.WantedBy, want) {
		t.Errorf("WantedBy = %q", info.WantedBy)
	}
	for _, bad := range []string{"", "ExecStart=/bin/a\n", "[Service\nExecStart=x\n", "[Unit]\nDescription=x\n", "[Service]\njunk\n"} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
	if _, err := Words(`"unterminated`); err == nil || !strings.Contains(err.Error(), "unterminated") {
		t.Errorf("Words: err = %v", err)
	}
}

func TestWordsRoundTrip(t *testing.T) {
	for _, s := range []string{`/a b/c`, `x"y`, `back\slash`, `100%`, `$HOME`, `a$$b`, `ünïcödé`, `'single'`} {
		q, err := quoteWord(s)
		if err != nil {
			t.Fatal(err)
		}
		w, err := Words(q)
		if err != nil {
			t.Fatal(err)
		}
		if len(w) != 1 || w[0] != s {
			t.Errorf("Words(quoteWord(%q)) = %q", s, w)
		}
	}
}

// TestStopTimeoutAndRestart: what Inspect reads of how a unit stops.
func TestStopTimeoutAndRestart(t *testing.T) {
	for _, tc := range []struct {
		service string
		stop    time.Duration
		ok      bool
		restart string
	}{
		{"TimeoutSec=10\nRestart=on-failure\n", 10 * time.Second, true, "on-failure"}, // Lima's unit
		{"TimeoutStopSec=210\nKillMode=mixed\nRestart=on-failure\n", 210 * time.Second, true, "on-failure"},
		{"TimeoutSec=10\nTimeoutStopSec=3min 30s\n", 210 * time.Second, true, "no"},
		{"", 90 * time.Second, true, "no"},
		{"TimeoutStopSec=infinity\nRestart=always\n", math.MaxInt64, true, "always"},
		{"TimeoutStopSec=0\n", math.MaxInt64, true, "no"},
		{"TimeoutStopSec=500ms\n", 500 * time.Millisecond, true, "no"},
		{"TimeoutStopSec=2m\n", 2 * time.Minute, true, "no"},
		{"TimeoutStopSec=soon\n", 0, false, "no"},
	} {
		f, err := Parse([]byte("[Service]\nExecStart=/bin/limactl start %i --foreground\n" + tc.service))
		if err != nil {
			t.Fatal(err)
		}
		info, err := Inspect(f)
		if err != nil {
			t.Fatal(err)
		}
		if info.StopTimeout != tc.stop || info.StopTimeoutOK != tc.ok || info.Restart != tc.restart {
			t.Errorf("%q: got %v %v %q, want %v %v %q", tc.service, info.StopTimeout, info.StopTimeoutOK, info.Restart, tc.stop, tc.ok, tc.restart)
		}
	}
}
