// Package version holds the software version, set at build time with
// -ldflags "-X hallkiosk/internal/version.Version=...".
package version

import "runtime/debug"

// Version is the release version; "dev" for local builds.
var Version = "dev"

// String returns the version with the VCS revision when known.
func String() string {
	rev := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = s.Value[:12]
			}
		}
	}
	if rev == "" {
		return Version
	}
	return Version + " (" + rev + ")"
}
