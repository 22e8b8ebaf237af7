//go:build tools

// Package nfpm pins nfpm, which scripts/package.sh builds to make LimaBar's
// .deb and .rpm. It is a module of its own, apart from scripts/tools:
// nfpm v2.48.0 needs go.yaml.in/yaml/v4 v4.0.0-rc.6, and actionlint v1.7.12
// (pinned there) does not build with it.
package nfpm

import _ "github.com/goreleaser/nfpm/v2/cmd/nfpm"
