package plan

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	p := Plan{Subject: `instance "default"`,
		Steps: []Step{
			OnRollback{Purpose: "reload systemd", Argv: []string{"systemctl", "--user", "daemon-reload"}},
			WriteFile{Purpose: "write the unit", Path: "/h/u.service", Data: []byte("[Service]\nExecStart=x\n\n[Install]\n"), Mode: 0o644, Existed: true, Old: []byte("old\n")},
			Command{Purpose: "enable the unit", Argv: []string{"systemctl", "--user", "enable", "u"}, Undo: []string{"systemctl", "--user", "disable", "u"}},
			Command{Purpose: "clear old links", Argv: []string{"systemctl", "--user", "disable", "u"}, IgnoreFailure: true},
			Privileged{Purpose: "install the LaunchDaemon", Script: "set -eu\nmv 'a b' c\n", Prompt: "LimaBar wants to make default start at boot."},
		},
		After: []Step{
			Linger{On: false, User: "alice", Loginctl: "loginctl"},
			RemoveFile{Purpose: "remove LimaBar's lingering record", Path: "/s/linger.json"},
		}}
	var b strings.Builder
	must(t, Format(&b, p))
	want := `1. reload systemd: only if a later step fails, run systemctl --user daemon-reload once it is undone
2. write the unit: replace /h/u.service (mode 0644) with:
    [Service]
    ExecStart=x

    [Install]
3. enable the unit: run systemctl --user enable u; undone by systemctl --user disable u
4. clear old links: run systemctl --user disable u (a failure is ignored)
5. install the LaunchDaemon: run this script as root with /bin/sh, after the administrator prompt "LimaBar wants to make default start at boot.":
    set -eu
    mv 'a b' c
then, with the change made (a failure here undoes nothing):
6. turn lingering off: run loginctl disable-linger alice
7. remove LimaBar's lingering record: remove /s/linger.json
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}

	data, err := json.Marshal(JSON(p))
	must(t, err)
	wantJSON := `[{"kind":"on-rollback","what":"reload systemd","undo":["systemctl","--user","daemon-reload"]},` +
		`{"kind":"write-file","what":"write the unit","path":"/h/u.service","mode":"0644","content":"[Service]\nExecStart=x\n\n[Install]\n","replaces":true},` +
		`{"kind":"run","what":"enable the unit","argv":["systemctl","--user","enable","u"],"undo":["systemctl","--user","disable","u"]},` +
		`{"kind":"run","what":"clear old links","argv":["systemctl","--user","disable","u"],"ignoreFailure":true},` +
		`{"kind":"privileged-script","what":"install the LaunchDaemon","prompt":"LimaBar wants to make default start at boot.","script":"set -eu\nmv 'a b' c\n"},` +
		`{"kind":"linger","what":"turn lingering off","after":true,"argv":["loginctl","disable-linger","alice"],"user":"alice","on":false},` +
		`{"kind":"remove-file","what":"remove LimaBar's lingering record","after":true,"path":"/s/linger.json"}]`
	if string(data) != wantJSON {
		t.Errorf("got\n%s\nwant\n%s", data, wantJSON)
	}

	b.Reset()
	must(t, Format(&b, Plan{}))
	if b.String() != "nothing to do\n" {
		t.Errorf("empty plan: got %q", b.String())
	}
}
