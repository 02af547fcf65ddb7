//go:build (darwin || freebsd || linux || netbsd) && !android

package corechild

import "github.com/ebitengine/purego"

// openLibrary loads a shared library with dlopen. The core is loaded
// global, so the plugins it starts can find its symbols; plugins are
// loaded local.
func openLibrary(path string, global bool) (uintptr, error) {
	mode := purego.RTLD_NOW | purego.RTLD_LOCAL
	if global {
		mode = purego.RTLD_NOW | purego.RTLD_GLOBAL
	}
	return purego.Dlopen(path, mode)
}

// lookup finds an exported symbol of a loaded library.
func lookup(h uintptr, name string) (uintptr, error) {
	return purego.Dlsym(h, name)
}
