//go:build !(((darwin || freebsd || linux || netbsd) && !android) || windows)

package launcher

// runSession cannot load libraries at run time on this platform.
func runSession(Config, *lineWriter, func(string, ...any), <-chan request) error {
	return ErrUnsupported
}
