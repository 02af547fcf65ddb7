//go:build ((darwin || freebsd || linux || netbsd) && !android) || windows

package corechild

import (
	"fmt"
	"unsafe"

	"github.com/ebitengine/purego"
	"github.com/netpak/netpak/host/launcher/childproto"
	"github.com/netpak/netpak/host/launcher/emucfg"
)

// core holds the core library's entry points. One per process: the core
// keeps its state in globals.
type core struct {
	handle uintptr

	startup      func(api int32, cfgDir, dataDir string, ctx, debugCB, ctx2, stateCB uintptr) int32
	shutdown     func() int32
	attachPlugin func(kind int32, handle uintptr) int32
	detachPlugin func(kind int32) int32
	doCommand    func(cmd, paramInt int32, paramPtr unsafe.Pointer) int32
	doCommandU   func(cmd, paramInt int32, paramPtr uintptr) int32
	errorMessage func(code int32) string
	openSection  func(name string, handle *uintptr) int32
	setParameter func(section uintptr, name string, typ int32, value unsafe.Pointer) int32
	paramType    func(section uintptr, name string, typ *int32) int32
	getParameter func(section uintptr, name string, typ int32, value unsafe.Pointer, size int32) int32
	addCheat     func(name string, codes unsafe.Pointer, n int32) int32
	memPointer   func(kind int32) unsafe.Pointer
}

// plugin is one loaded plugin library.
type plugin struct {
	handle   uintptr
	startup  func(core, ctx, debugCB uintptr) int32
	shutdown func() int32
}

// loadCore opens the core library; a failure to open it is a
// [*childproto.MissingError] saying where to get it.
func loadCore(path string) (*core, error) {
	h, err := openLibrary(path, true)
	if err != nil {
		return nil, &childproto.MissingError{What: "core library", Path: path, Package: emucfg.PackageFor(path), Detail: err.Error()}
	}
	c := &core{handle: h}
	syms := []struct {
		fn   any
		name string
	}{
		{&c.startup, "CoreStartup"},
		{&c.shutdown, "CoreShutdown"},
		{&c.attachPlugin, "CoreAttachPlugin"},
		{&c.detachPlugin, "CoreDetachPlugin"},
		{&c.doCommand, "CoreDoCommand"},
		{&c.doCommandU, "CoreDoCommand"},
		{&c.errorMessage, "CoreErrorMessage"},
		{&c.openSection, "ConfigOpenSection"},
		{&c.setParameter, "ConfigSetParameter"},
		{&c.paramType, "ConfigGetParameterType"},
		{&c.getParameter, "ConfigGetParameter"},
		{&c.addCheat, "CoreAddCheat"},
		{&c.memPointer, "DebugMemGetPointer"},
	}
	for _, s := range syms {
		if err := bind(s.fn, h, s.name); err != nil {
			return nil, fmt.Errorf("%w: %s is not a usable mupen64plus core: %w", childproto.ErrCore, path, err)
		}
	}
	return c, nil
}

// loadPlugin opens a plugin library; a failure to open it is a
// [*childproto.MissingError] saying where to get it.
func loadPlugin(what, path string) (*plugin, error) {
	h, err := openLibrary(path, false)
	if err != nil {
		return nil, &childproto.MissingError{What: what, Path: path, Package: emucfg.PackageFor(path), Detail: err.Error()}
	}
	p := &plugin{handle: h}
	if err := bind(&p.startup, h, "PluginStartup"); err != nil {
		return nil, fmt.Errorf("%w: %s %s is not a mupen64plus plugin: %w", childproto.ErrCore, what, path, err)
	}
	if err := bind(&p.shutdown, h, "PluginShutdown"); err != nil {
		return nil, fmt.Errorf("%w: %s %s is not a mupen64plus plugin: %w", childproto.ErrCore, what, path, err)
	}
	return p, nil
}

// bind looks name up first, because purego panics on a missing symbol.
func bind(fn any, h uintptr, name string) error {
	addr, err := lookup(h, name)
	if err != nil {
		return err
	}
	purego.RegisterFunc(fn, addr)
	return nil
}

// check turns a core return code into an error naming the call.
func (c *core) check(call string, rc int32) error {
	if rc == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s: %s (code %d)", childproto.ErrCore, call, c.errorMessage(rc), rc)
}

// command runs CoreDoCommand with a pointer parameter.
func (c *core) command(name string, cmd, param int32, ptr unsafe.Pointer) error {
	return c.check(name, c.doCommand(cmd, param, ptr))
}

// cString returns s as a NUL-terminated byte slice the core may read
// during one call.
func cString(s string) []byte { return append([]byte(s), 0) }
