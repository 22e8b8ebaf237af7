//go:build !darwin

package macos

import (
	"log/slog"

	"github.com/limabar/limabar/app/loginitem"
)

// MainAppService is nil outside macOS: Open LimaBar at Login is an XDG
// autostart entry there (app/selfstart).
func MainAppService(*slog.Logger) loginitem.Service { return nil }
