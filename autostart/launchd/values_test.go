package launchd

import (
	"reflect"
	"strings"
	"testing"
)

// TestCheckRefusesWhatXMLCannotHold: each value a job is built from, with
// each kind of character the plist encoder would turn into U+FFFD, is
// refused by name, and Encode refuses the job built from it.
func TestCheckRefusesWhatXMLCannotHold(t *testing.T) {
	base := Params{Name: "default", InstanceDir: "/Users/alice/.lima/default", Limactl: "/opt/homebrew/bin/limactl",
		Home: "/Users/alice", LimaHome: "/Volumes/VMs", User: "alice"}
	fields := []struct {
		what string
		set  func(p *Params, bad string)
	}{
		{"the limactl path", func(p *Params, bad string) { p.Limactl = "/opt/" + bad + "/limactl" }},
		{"the home folder", func(p *Params, bad string) { p.Home = "/Users/al" + bad + "ice" }},
		{"the LIMA_HOME path", func(p *Params, bad string) { p.LimaHome = "/Volumes/VMs" + bad }},
		{"the instance folder", func(p *Params, bad string) { p.InstanceDir = "/Volumes/VMs/" + bad + "/default" }},
		{"the user name", func(p *Params, bad string) { p.User = "al" + bad }},
	}
	for _, c := range []struct{ bad, shown string }{
		{"\x01", "U+0001"},
		{"\x1b", "U+001B"},
		{"\x00", "U+0000"},
		{"\xff", "byte 0xFF, not UTF-8"},
		{"\xed\xa0\x80", "byte 0xED, not UTF-8"}, // an unpaired surrogate, U+D800, as CESU-8 writes it
		{"\ufffe", "U+FFFE"},
		{"\uffff", "U+FFFF"},
	} {
		for _, f := range fields {
			p := base
			f.set(&p, c.bad)
			want := f.what + " contains a character a plist cannot hold (" + c.shown + ")"
			if err := p.Check(); err == nil || err.Error() != want {
				t.Errorf("%s with %q: got %v, want %q", f.what, c.bad, err, want)
			}
			jobs := []Job{Daemon(p)}
			if f.what != "the user name" { // the agent runs as whoever logs in
				jobs = append(jobs, Agent(p))
			}
			for _, j := range jobs {
				if _, err := Encode(j); err == nil || !strings.Contains(err.Error(), "a plist cannot hold ("+c.shown+")") {
					t.Errorf("%s with %q: Encode of %s gave %v, want it refused", f.what, c.bad, j.Label, err)
				}
			}
		}
	}
}

// TestCheckAcceptsWhatXMLCanHold: characters that need escaping or look odd
// but that XML holds come back from the plist exactly.
func TestCheckAcceptsWhatXMLCanHold(t *testing.T) {
	for _, s := range []string{"tab\there", "line\nfeed", "carriage\rreturn", "del\x7f", "amp & <lt> \"q\" 'a'",
		"replacement \ufffd", "bmp end \ud7ff \ue000", "astral \U0001F600 \U0010FFFF", "nonchar \ufdd0"} {
		p := Params{Name: "default", InstanceDir: "/x/" + s + "/default", Limactl: "/opt/" + s + "/limactl",
			Home: "/Users/" + s, LimaHome: "/x/" + s, User: "u" + s}
		if err := p.Check(); err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		for _, j := range []Job{Agent(p), Daemon(p)} {
			data, err := Encode(j)
			if err != nil {
				t.Errorf("%q: %v", s, err)
				continue
			}
			back, err := Decode(data)
			if err != nil {
				t.Fatalf("%q: %v", s, err)
			}
			if !reflect.DeepEqual(back, j) {
				t.Errorf("%q: round trip\n got %#v\nwant %#v", s, back, j)
			}
		}
	}
}
