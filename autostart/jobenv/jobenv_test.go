package jobenv

import "testing"

func TestPATH(t *testing.T) {
	for _, tc := range []struct{ limactl, want string }{
		{"/opt/homebrew/bin/limactl", "/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"},
		{"/Users/a/lima/bin/limactl", "/Users/a/lima/bin:/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"},
		{"/usr/bin/limactl", "/usr/bin:/opt/homebrew/bin:/usr/local/bin:/bin:/usr/sbin:/sbin"},
		{"", "/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"},
	} {
		if got := PATH(tc.limactl); got != tc.want {
			t.Errorf("PATH(%q) = %q, want %q", tc.limactl, got, tc.want)
		}
	}
}
