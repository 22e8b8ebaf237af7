package main

import (
	"archive/tar"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/limabar/limabar/assets"
)

// installScript is install.sh in the tarball. It is kept as a file, not a
// Go string, so that shellcheck can read it.
//
//go:embed install.sh
var installScript []byte

// desktopEntry is the application entry installed into
// ~/.local/share/applications. install.sh replaces Exec=limabar with the
// absolute path it installed to, as ~/.local/bin is not always on the PATH
// of a desktop session.
const desktopEntry = `[Desktop Entry]
Type=Application
Name=LimaBar
GenericName=Lima VM Autostart
Comment=Start Lima virtual machines at login or at boot
Exec=limabar
Icon=io.github.limabar
Terminal=false
Categories=System;
Keywords=Lima;VM;virtual machine;autostart;login;boot;
StartupNotify=false
`

// hicolorSizes are the fixed sizes of the hicolor icon theme that the
// tarball fills.
var hicolorSizes = []int{16, 22, 24, 32, 48, 64, 128, 256, 512}

func tarballName(arch string) string { return "limabar-linux-" + arch }

// tarEntry is one file of the tarball, relative to its top folder.
type tarEntry struct {
	name string
	data []byte
	mode int64
}

// tarballEntries lists the tarball's files in the order they are written.
func tarballEntries(o options, exe []byte) ([]tarEntry, error) {
	entries := []tarEntry{
		{exeName, exe, 0o755},
		{"install.sh", installScript, 0o755},
		{desktopName, []byte(desktopEntry), 0o644},
	}
	if o.readme != "" {
		doc, err := os.ReadFile(o.readme)
		if err != nil {
			return nil, fmt.Errorf("the README for the tarball: %w", err)
		}
		entries = append(entries, tarEntry{"README.md", doc, 0o644})
	}
	for _, s := range hicolorSizes {
		icon, err := assets.AppIcon(s)
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("icons/hicolor/%dx%d/apps/%s.png", s, s, iconName)
		entries = append(entries, tarEntry{name, icon, 0o644})
	}
	return entries, nil
}

// makeTarball writes the .tar.gz at o.out. Everything is under one folder,
// limabar-linux-ARCH/, so unpacking does not spill files into the current
// folder. Owners are root and times fixed, so the same input gives the same
// archive.
func makeTarball(o options) (err error) {
	exe, fi, err := readExe(o.exe)
	if err != nil {
		return err
	}
	entries, err := tarballEntries(o, exe)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(o.out), "."+filepath.Base(o.out)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := writeTarball(f, tarballName(o.arch), entries, modTime(fi)); err != nil {
		return fmt.Errorf("write %s: %w", o.out, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), o.out)
}

func writeTarball(w io.Writer, top string, entries []tarEntry, when time.Time) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	gz.ModTime = when
	tw := tar.NewWriter(gz)
	dirs := map[string]bool{}
	var mkdir func(dir string) error
	mkdir = func(dir string) error {
		if dir == "." || dirs[dir] {
			return nil
		}
		if err := mkdir(path.Dir(dir)); err != nil {
			return err
		}
		dirs[dir] = true
		return tw.WriteHeader(&tar.Header{
			Typeflag: tar.TypeDir, Name: dir + "/", Mode: 0o755, ModTime: when,
		})
	}
	for _, e := range entries {
		name := path.Join(top, e.name)
		if err := mkdir(path.Dir(name)); err != nil {
			return err
		}
		hdr := &tar.Header{
			Typeflag: tar.TypeReg, Name: name, Mode: e.mode, Size: int64(len(e.data)), ModTime: when,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(e.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}
