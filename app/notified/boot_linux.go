package notified

import "os"

func boot() string { return linuxBootID(os.ReadFile) }
