//go:build tools

// Package tools pins the programs `make test` builds to check the project
// itself, apart from the app's module so that the app never depends on them:
// actionlint checks the GitHub workflows (and, with shellcheck on PATH, the
// shell in their run: steps).
package tools

import _ "github.com/rhysd/actionlint/cmd/actionlint"
