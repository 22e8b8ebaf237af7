package systemd

import (
	"os"
	"reflect"
	"strings"
	"testing"
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

func TestUnitRefusesControlCharacters(t *testing.T) {
	for _, p := range []Params{
		{Limactl: "/bin/lima\nctl", PATH: "/bin"},
		{Limactl: "/bin/limactl", PATH: "/bin", LimaHome: "/x\n[Service]\nExecStartPre=/bin/rm"},
		{Limactl: "", PATH: "/bin"},
	} {
		if out, err := Unit(p); err == nil {
			t.Errorf("Unit(%q) succeeded:\n%s", p, out)
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
