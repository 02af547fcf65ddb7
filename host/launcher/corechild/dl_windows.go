package corechild

import (
	"path/filepath"

	"golang.org/x/sys/windows"
)

// openLibrary loads a DLL. A path is loaded with the altered search path,
// so the DLLs it needs (SDL2.dll, a plugin's own helpers) are found next
// to it, as in a mupen64plus release folder or an RMG install; a bare
// name takes Windows' usual search. Windows has no global symbol scope:
// plugins find the core through the handle PluginStartup receives.
func openLibrary(path string, _ bool) (uintptr, error) {
	var flags uintptr
	if filepath.IsAbs(path) {
		flags = windows.LOAD_WITH_ALTERED_SEARCH_PATH
	}
	h, err := windows.LoadLibraryEx(path, 0, flags)
	return uintptr(h), err
}

// lookup finds an exported function of a loaded DLL.
func lookup(h uintptr, name string) (uintptr, error) {
	return windows.GetProcAddress(windows.Handle(h), name)
}
