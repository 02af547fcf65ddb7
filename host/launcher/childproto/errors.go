package childproto

import (
	"errors"
	"fmt"

	"github.com/netpak/netpak/host/launcher/emucfg"
)

// ErrMissing matches every [*MissingError]: the core library or a plugin
// is not installed. Callers branch on it to tell the player what to
// install while the session stays usable for chat.
var ErrMissing = errors.New("launcher: emulator component not installed")

// ErrUnsupported reports a platform where the launcher cannot load
// libraries at run time.
var ErrUnsupported = errors.New("launcher: running the emulator is not supported on this platform")

// ErrCore reports a core call that failed; the message carries the call
// and the core's own description.
var ErrCore = errors.New("launcher: core call failed")

// ErrChild reports a child process that died or broke the protocol.
var ErrChild = errors.New("launcher: emulator process failed")

// MissingError says which piece is missing and which Debian package
// provides it. Its fields travel from the child to the parent unchanged.
type MissingError struct {
	What    string `json:"what"`    // "core library", "RSP plugin", ...
	Path    string `json:"path"`    // what was looked for
	Package string `json:"package"` // the Debian package to install; "" on Windows
	Detail  string `json:"detail"`  // the loader's message
}

// Error says what is missing and which package to install, or where to
// get it where there are no packages.
func (e *MissingError) Error() string {
	advice := emucfg.InstallAdvice
	if e.Package != "" {
		advice = "install the Debian package " + e.Package
	}
	msg := fmt.Sprintf("%s %s not found: %s", e.What, e.Path, advice)
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// Is reports whether target is [ErrMissing].
func (e *MissingError) Is(target error) bool { return target == ErrMissing }

// childError is an error the child reported, rebuilt in the parent so
// errors.Is still finds the sentinel the child saw.
type childError struct {
	msg  string
	code string
}

func (e *childError) Error() string { return e.msg }

// Is reports whether target is the sentinel named by the child's code.
func (e *childError) Is(target error) bool {
	return errorCodes[e.code] == target
}

// errorCodes maps the protocol's error codes to sentinels.
var errorCodes = map[string]error{
	"config":      emucfg.ErrConfig,
	"core":        ErrCore,
	"unsupported": ErrUnsupported,
	"child":       ErrChild,
	"usercfg":     emucfg.ErrUserConfig,
}

// errorCode is the protocol code of err, the inverse of errorCodes.
func errorCode(err error) string {
	for code, sentinel := range errorCodes {
		if errors.Is(err, sentinel) {
			return code
		}
	}
	return ""
}
