package packaging

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/limabar/limabar/scripts/testenv"
)

// fakeMacTools puts stand-ins for the macOS tools sign-notarize.sh runs on
// a PATH of their own; each records its arguments in the returned log.
// security answers find-identity and list-keychains the way macOS does.
func fakeMacTools(t *testing.T) (bin, log string) {
	t.Helper()
	bin = t.TempDir()
	log = filepath.Join(t.TempDir(), "calls")
	record := "#!/bin/sh\necho \"$(basename \"$0\") $*\" >>'" + log + "'\n"
	fakes := map[string]string{
		"codesign": record,
		"ditto":    record,
		"xcrun":    record,
		"spctl":    record,
		"openssl":  record + "echo 00112233445566778899aabbccddeeff\n",
		"security": record + `case $1 in
find-identity) printf '  1) 0123456789ABCDEF0123456789ABCDEF01234567 "Developer ID Application: Example Maker (AB12CD34EF)"\n     1 valid identities found\n' ;;
list-keychains) printf '    "/Users/runner/Library/Keychains/login.keychain-db"\n' ;;
esac
`,
	}
	for name, script := range fakes {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return bin, log
}

type signRun struct {
	stdout, output, notes, calls string
	err                          error
}

// runSign runs scripts/sign-notarize.sh with only the given variables
// (and PATH), as the workflow step does with the secrets it has.
func runSign(t *testing.T, vars ...string) signRun {
	t.Helper()
	bash := testenv.Tool(t, "bash")
	bin, log := fakeMacTools(t)
	dir := t.TempDir()
	output, notes := filepath.Join(dir, "output"), filepath.Join(dir, "notes")
	cmd := exec.Command(bash, "../scripts/sign-notarize.sh", "build/LimaBar.app", "build/LimaBar.zip")
	cmd.Env = append([]string{"PATH=" + bin + ":/usr/bin:/bin", "GITHUB_OUTPUT=" + output, "NOTES_FILE=" + notes}, vars...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		t.Logf("stderr:\n%s", errb.String())
	}
	read := func(p string) string { b, _ := os.ReadFile(p); return string(b) }
	return signRun{out.String(), read(output), read(notes), read(log), err}
}

const adhocNote = "**macOS:** LimaBar.app is signed ad hoc and not notarized by Apple. macOS blocks it the first time: open it once, then allow it in System Settings → Privacy & Security with Open Anyway.\n"

// TestSignSkipsWithoutKeys is the release without any signing secret: the
// script runs no tool, exits 0, says on the run's page (a ::warning::)
// that the app stays ad hoc, and the release notes say so too.
func TestSignSkipsWithoutKeys(t *testing.T) {
	r := runSign(t)
	if r.err != nil {
		t.Fatalf("sign-notarize.sh: %v", r.err)
	}
	want := "sign-notarize: MACOS_CERTIFICATE is not set: skipping Developer ID signing and notarization\n" +
		"::warning title=LimaBar.app is not notarized::MACOS_CERTIFICATE is not set: build/LimaBar.app stays signed ad hoc and is not notarized\n"
	if r.stdout != want {
		t.Errorf("printed\n%s\nwant\n%s", r.stdout, want)
	}
	if r.output != "notarized=false\n" {
		t.Errorf("GITHUB_OUTPUT got %q, want notarized=false", r.output)
	}
	if r.notes != adhocNote {
		t.Errorf("release notes got %q, want %q", r.notes, adhocNote)
	}
	if r.calls != "" {
		t.Errorf("ran tools without keys:\n%s", r.calls)
	}
}

// certificate is MACOS_CERTIFICATE for the fakes: any base64.
const certificate = "MACOS_CERTIFICATE=cDEyIGJ5dGVz"

// TestSignAndNotarize is the release with every secret: Developer ID
// signing with the hardened runtime and a timestamp, notarytool --wait,
// stapling, and the zip made of the stapled app.
func TestSignAndNotarize(t *testing.T) {
	r := runSign(t, certificate, "MACOS_CERTIFICATE_PASSWORD=pw",
		"NOTARY_APPLE_ID=dev@example.com", "NOTARY_TEAM_ID=AB12CD34EF", "NOTARY_PASSWORD=app-pw")
	if r.err != nil {
		t.Fatalf("sign-notarize.sh: %v", r.err)
	}
	calls := strings.Split(strings.TrimSpace(r.calls), "\n")
	var got []string
	for _, c := range calls {
		if !strings.HasPrefix(c, "security ") && !strings.HasPrefix(c, "openssl ") {
			got = append(got, c)
		}
	}
	want := []string{
		"codesign --force --options runtime --timestamp --sign Developer ID Application: Example Maker (AB12CD34EF) --identifier io.github.limabar --keychain ",
		"codesign --verify --strict --verbose=2 build/LimaBar.app",
		"ditto -c -k --keepParent build/LimaBar.app ",
		"xcrun notarytool submit ",
		"xcrun stapler staple build/LimaBar.app",
		"xcrun stapler validate build/LimaBar.app",
		"spctl --assess --type execute --verbose=2 build/LimaBar.app",
		"ditto -c -k --keepParent build/LimaBar.app build/LimaBar.zip",
	}
	if len(got) != len(want) {
		t.Fatalf("ran\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("call %d is %q, want it to start with %q", i, got[i], want[i])
		}
	}
	if !strings.HasSuffix(got[3], " --apple-id dev@example.com --team-id AB12CD34EF --password app-pw --wait") {
		t.Errorf("notarytool call %q does not wait for the verdict with the given credentials", got[3])
	}
	if !strings.Contains(r.calls, "security delete-keychain ") {
		t.Errorf("the signing keychain is not deleted:\n%s", r.calls)
	}
	if r.output != "notarized=true\n" {
		t.Errorf("GITHUB_OUTPUT got %q, want notarized=true", r.output)
	}
}

// TestSignWithoutNotaryCredentials signs with the certificate, and says
// that the app is not notarized.
func TestSignWithoutNotaryCredentials(t *testing.T) {
	r := runSign(t, certificate, "MACOS_CERTIFICATE_PASSWORD=pw")
	if r.err != nil {
		t.Fatalf("sign-notarize.sh: %v", r.err)
	}
	if !strings.Contains(r.calls, "codesign --force --options runtime --timestamp --sign Developer ID Application") {
		t.Errorf("not signed with the Developer ID:\n%s", r.calls)
	}
	if strings.Contains(r.calls, "notarytool") || strings.Contains(r.calls, "stapler") {
		t.Errorf("notarized without credentials:\n%s", r.calls)
	}
	if !strings.Contains(r.stdout, "::warning title=LimaBar.app is not notarized::the notary credentials are not set") {
		t.Errorf("no warning on the run:\n%s", r.stdout)
	}
	if r.output != "notarized=false\n" {
		t.Errorf("GITHUB_OUTPUT got %q, want notarized=false", r.output)
	}
}
