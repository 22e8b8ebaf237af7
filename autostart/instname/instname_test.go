package instname

import (
	"errors"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, ok := range []string{"default", "a", "k3s", "my-vm.2_x", strings.Repeat("a", 76), "A1"} {
		if err := Check(ok); err != nil {
			t.Errorf("Check(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "../x", "a b", "$(id)", strings.Repeat("a", 77), "a..b", "-a", "a-", "a/b", "a\nb", ".a", "a_-b", "ü"} {
		if err := Check(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("Check(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}
