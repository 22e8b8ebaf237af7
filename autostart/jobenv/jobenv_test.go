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

func TestColimaPATH(t *testing.T) {
	for _, tc := range []struct{ colima, limactl, want string }{
		{"/opt/homebrew/bin/colima", "/opt/homebrew/bin/limactl", "/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"},
		{"/Users/a/bin/colima", "/Users/a/lima/bin/limactl", "/Users/a/bin:/Users/a/lima/bin:/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"},
		{"/home/linuxbrew/.linuxbrew/bin/colima", "", "/home/linuxbrew/.linuxbrew/bin:/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"},
	} {
		if got := ColimaPATH(tc.colima, tc.limactl); got != tc.want {
			t.Errorf("ColimaPATH(%q, %q) = %q, want %q", tc.colima, tc.limactl, got, tc.want)
		}
	}
}
