package main

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"sync"

	"github.com/jackmordaunt/icns/v3"

	"github.com/limabar/limabar/assets"
	"github.com/limabar/limabar/autostart/launchd"
)

// infoPlist is Contents/Info.plist. The encoder writes the keys sorted.
type infoPlist struct {
	CFBundleDevelopmentRegion     string `plist:"CFBundleDevelopmentRegion"`
	CFBundleDisplayName           string `plist:"CFBundleDisplayName"`
	CFBundleExecutable            string `plist:"CFBundleExecutable"`
	CFBundleIconFile              string `plist:"CFBundleIconFile"`
	CFBundleIdentifier            string `plist:"CFBundleIdentifier"`
	CFBundleInfoDictionaryVersion string `plist:"CFBundleInfoDictionaryVersion"`
	CFBundleName                  string `plist:"CFBundleName"`
	CFBundlePackageType           string `plist:"CFBundlePackageType"`
	CFBundleShortVersionString    string `plist:"CFBundleShortVersionString"`
	CFBundleVersion               string `plist:"CFBundleVersion"`
	LSApplicationCategoryType     string `plist:"LSApplicationCategoryType"`
	LSMinimumSystemVersion        string `plist:"LSMinimumSystemVersion"`
	// LSUIElement makes LimaBar an agent: a menu-bar item, no Dock icon
	// and no app menu.
	LSUIElement              bool   `plist:"LSUIElement"`
	NSHighResolutionCapable  bool   `plist:"NSHighResolutionCapable"`
	NSHumanReadableCopyright string `plist:"NSHumanReadableCopyright"`
	// NSAppleEventsUsageDescription is shown when LimaBar first asks
	// Terminal or Finder to open something; without it macOS refuses the
	// request instead of asking the user.
	NSAppleEventsUsageDescription string `plist:"NSAppleEventsUsageDescription"`
	// NSSupportsAutomaticGraphicsSwitching keeps a menu-bar app from
	// waking the discrete GPU of a dual-GPU Mac.
	NSSupportsAutomaticGraphicsSwitching bool `plist:"NSSupportsAutomaticGraphicsSwitching"`
}

func newInfoPlist(o options) infoPlist {
	v := bundleVersion(o.version)
	return infoPlist{
		CFBundleDevelopmentRegion:            "en",
		CFBundleDisplayName:                  appName,
		CFBundleExecutable:                   exeName,
		CFBundleIconFile:                     "AppIcon",
		CFBundleIdentifier:                   bundleID,
		CFBundleInfoDictionaryVersion:        "6.0",
		CFBundleName:                         appName,
		CFBundlePackageType:                  "APPL",
		CFBundleShortVersionString:           v,
		CFBundleVersion:                      v,
		LSApplicationCategoryType:            "public.app-category.developer-tools",
		LSMinimumSystemVersion:               o.minMacOS,
		LSUIElement:                          true,
		NSHighResolutionCapable:              true,
		NSHumanReadableCopyright:             o.copyright,
		NSAppleEventsUsageDescription:        "LimaBar asks Terminal and Finder to open your Lima instances.",
		NSSupportsAutomaticGraphicsSwitching: true,
	}
}

func encodeInfoPlist(p infoPlist) ([]byte, error) {
	data, err := launchd.EncodeXML(p)
	if err != nil {
		return nil, fmt.Errorf("encode Info.plist: %w", err)
	}
	return data, nil
}

// icnsTypes are the icon types of a modern .icns file and the pixel size of
// each: 16, 32, 128, 256 and 512 pt at 1× and 2×. The 16 pt 1× image is
// left out, as Xcode's iconutil does; macOS draws it from the 2× one.
var icnsTypes = []icns.OsType{
	{ID: "ic11", Size: 32},
	{ID: "ic12", Size: 64},
	{ID: "ic07", Size: 128},
	{ID: "ic13", Size: 256},
	{ID: "ic08", Size: 256},
	{ID: "ic14", Size: 512},
	{ID: "ic09", Size: 512},
	{ID: "ic10", Size: 1024},
}

// appIcns builds AppIcon.icns from the icons drawn for each size, rather
// than letting the encoder scale down the 1024 px one: small sizes are drawn
// without the badge and stay sharp. The result depends only on the embedded
// icons, so it is made once however many apps a process (a test) builds.
var appIcns = sync.OnceValues(func() ([]byte, error) {
	set := &icns.IconSet{}
	for _, t := range icnsTypes {
		data, err := assets.AppIcon(int(t.Size))
		if err != nil {
			return nil, err
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("decode the %d px app icon: %w", t.Size, err)
		}
		set.Icons = append(set.Icons, &icns.Icon{Type: t, Image: img})
	}
	var buf bytes.Buffer
	if _, err := set.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("encode AppIcon.icns: %w", err)
	}
	return buf.Bytes(), nil
})

// makeApp writes LimaBar.app at o.out. It is built beside o.out under a
// temporary name and renamed into place, so a failure while building leaves
// the previous app as it was, and never a half-made one.
func makeApp(o options) (err error) {
	exe, fi, err := readExe(o.exe)
	if err != nil {
		return err
	}
	info, err := encodeInfoPlist(newInfoPlist(o))
	if err != nil {
		return err
	}
	icon, err := appIcns()
	if err != nil {
		return err
	}
	parent := filepath.Dir(o.out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(o.out)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	files := []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{"Contents/Info.plist", info, 0o644},
		{"Contents/PkgInfo", []byte("APPL????"), 0o644},
		{"Contents/MacOS/" + exeName, exe, 0o755},
		{"Contents/Resources/AppIcon.icns", icon, 0o644},
	}
	when := modTime(fi)
	for _, f := range files {
		p := filepath.Join(tmp, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.data, f.mode); err != nil {
			return fmt.Errorf("write %s: %w", f.path, err)
		}
		if err := os.Chmod(p, f.mode); err != nil {
			return err
		}
		if err := os.Chtimes(p, when, when); err != nil {
			return err
		}
	}
	if err := os.RemoveAll(o.out); err != nil {
		return fmt.Errorf("remove the old %s: %w", o.out, err)
	}
	if err := os.Rename(tmp, o.out); err != nil {
		return fmt.Errorf("move the app into place: %w", err)
	}
	return nil
}
