//go:build windows && wine

package launcher

import _ "unsafe" // for go:linkname

// Wine 8 (Debian 12) answers FileDispositionInformationEx with
// STATUS_NOT_IMPLEMENTED, which Go's os.RemoveAll does not take as a cue
// to fall back, so every t.TempDir cleanup would fail under Wine. .ci/wine
// builds the Windows test binaries with -tags wine and
// -ldflags=-checklinkname=0 so that they use Go's own fallback.
//
//go:linkname deleteatFallback internal/syscall/windows.TestDeleteatFallback
var deleteatFallback bool

func init() { deleteatFallback = true }
