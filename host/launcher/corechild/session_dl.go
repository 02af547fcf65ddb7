//go:build ((darwin || freebsd || linux || netbsd) && !android) || windows

package corechild

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/netpak/netpak/host/launcher/childproto"
	"github.com/netpak/netpak/host/launcher/emucfg"
)

// session is one emulator run inside the child process.
type session struct {
	// Immutable after start.
	cfg    emucfg.Config
	c      *core
	out    *childproto.Writer
	logf   func(format string, args ...any)
	fakeDP bool
	user   *emucfg.UserConfig // the player's own configuration; nil: none

	// running is closed by the state callback once the emulator runs.
	running     chan struct{}
	runningOnce sync.Once
	frames      atomic.Uint64

	// cleanup runs in reverse order when the session ends; pluginCleanup
	// runs (also reversed) right after ROM_CLOSE, as ui-console does.
	cleanup       []func()
	pluginCleanup []func()
}

// runSession runs the emulator described by cfg until it stops, serving
// reqs meanwhile. It returns nil after a clean stop.
func runSession(cfg emucfg.Config, out *childproto.Writer, logf func(string, ...any), reqs <-chan childproto.Request) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c, err := loadCore(cfg.CoreLib)
	if err != nil {
		return err
	}
	s := &session{cfg: cfg, c: c, out: out, logf: logf, running: make(chan struct{})}
	makeCallbacks()
	current.Store(s)
	defer current.Store(nil)
	defer s.runCleanup()
	if cfg.CheckOnly {
		return s.check()
	}
	if err := s.prepare(); err != nil {
		return err
	}
	return s.execute(reqs)
}

// check does what prepare does up to the plugins, whose libraries it only
// loads: everything that can fail before a game, without running one.
func (s *session) check() error {
	for _, step := range []func() error{s.startup, s.applySettings, s.openROM} {
		if err := step(); err != nil {
			return err
		}
	}
	for _, p := range []struct{ what, name string }{
		{"video plugin", s.cfg.Video}, {"audio plugin", s.cfg.Audio},
		{"input plugin", s.cfg.Input}, {"RSP plugin", s.cfg.RSP},
	} {
		if p.name == emucfg.Dummy {
			continue
		}
		if _, err := loadPlugin(p.what, s.cfg.PluginPath(p.name)); err != nil {
			return err
		}
	}
	s.logf("launcher: check passed: the game can start")
	return nil
}

func (s *session) onCleanup(f func()) { s.cleanup = append(s.cleanup, f) }

func (s *session) runCleanup() {
	for i := len(s.cleanup) - 1; i >= 0; i-- {
		s.cleanup[i]()
	}
}

// prepare does everything before EXECUTE, in the order the core needs:
// startup, settings, ROM, plugins, cheats, netplay.
func (s *session) prepare() error {
	steps := []func() error{s.startup, s.applySettings, s.openROM, s.attachPlugins, s.addCheats, s.startNetplay}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	if s.fakeDP {
		if rc := s.c.doCommandU(cmdSetFrameCB, 0, frameCB); rc != 0 {
			return s.c.check("set frame callback", rc)
		}
	}
	return nil
}

func (s *session) startup() error {
	dir := s.cfg.ConfigDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "netpak-m64p-")
		if err != nil {
			return fmt.Errorf("config dir: %w", err)
		}
		s.onCleanup(func() { os.RemoveAll(tmp) })
		dir = tmp
	}
	if s.cfg.SaveDir == "" {
		s.cfg.SaveDir = dir
	}
	if err := s.copyUserConfig(dir); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(s.cfg.DataDir, "mupen64plus.ini")); err != nil {
		s.logf("launcher warning: no ROM database in %s (%s): %v", s.cfg.DataDir, emucfg.DataAdvice, err)
	}
	if err := s.c.check("CoreStartup", s.c.startup(frontendAPIVersion, dir, s.cfg.DataDir, 0, debugCB, 0, stateCB)); err != nil {
		return err
	}
	s.onCleanup(func() { s.c.shutdown() })
	return nil
}

// copyUserConfig copies the player's own mupen64plus.cfg into the core's
// private config dir, after checking that netpak understands it: the core
// may write its config dir, and the player's file must stay as it is.
func (s *session) copyUserConfig(dir string) error {
	if s.cfg.UserConfigDir == "" {
		s.logf("launcher: no player configuration given: the core's defaults")
		return nil
	}
	if sameDir(s.cfg.UserConfigDir, dir) {
		return fmt.Errorf("%w: the player's own config dir %s cannot be the core's private one", emucfg.ErrConfig, dir)
	}
	user, text, err := emucfg.ReadUserConfig(s.cfg.UserConfigDir)
	if err != nil {
		return err
	}
	if user == nil {
		s.logf("launcher: no %s in %s: the core's defaults", emucfg.CfgFile, s.cfg.UserConfigDir)
		return nil
	}
	if err := os.WriteFile(filepath.Join(dir, emucfg.CfgFile), text, 0o600); err != nil {
		return fmt.Errorf("copy your %s: %w", emucfg.CfgFile, err)
	}
	s.user = user
	s.logf("launcher: starting from a copy of %s (the file itself is not changed)", filepath.Join(s.cfg.UserConfigDir, emucfg.CfgFile))
	for _, o := range s.cfg.OverridesIn(user) {
		s.logf("launcher: netplay changes %s", o)
	}
	return nil
}

// sameDir reports whether a and b are the same existing folder.
func sameDir(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// applySettings sets the parameters netplay forces, the quiet defaults
// the player's configuration does not set, then the session's own.
func (s *session) applySettings() error {
	for _, set := range s.cfg.CoreSettings(s.user) {
		if err := s.setParameter(set); err != nil {
			return err
		}
	}
	return nil
}

func (s *session) setParameter(set emucfg.Setting) error {
	v, err := set.Parse()
	if err != nil {
		return fmt.Errorf("%w: %w", emucfg.ErrConfig, err)
	}
	var section uintptr
	if err := s.c.check("open config section "+set.Section, s.c.openSection(set.Section, &section)); err != nil {
		return err
	}
	var ptr unsafe.Pointer
	str := cString(v.Str)
	switch v.Type {
	case emucfg.TypeInt, emucfg.TypeBool:
		ptr = unsafe.Pointer(&v.Int)
	case emucfg.TypeFloat:
		ptr = unsafe.Pointer(&v.Float)
	case emucfg.TypeString:
		ptr = unsafe.Pointer(&str[0])
	}
	rc := s.c.setParameter(section, set.Name, int32(v.Type), ptr)
	runtime.KeepAlive(str)
	return s.c.check("set "+set.Section+"/"+set.Name, rc)
}

func (s *session) openROM() error {
	rom, err := readROM(s.cfg.ROM)
	if err != nil {
		return err
	}
	if err := s.c.command("open ROM", cmdROMOpen, int32(len(rom)), unsafe.Pointer(&rom[0])); err != nil {
		return err
	}
	s.onCleanup(func() {
		s.c.doCommand(cmdROMClose, 0, nil)
		for i := len(s.pluginCleanup) - 1; i >= 0; i-- {
			s.pluginCleanup[i]()
		}
	})
	return nil
}

// attachPlugins attaches video, audio, input and RSP, the order the core
// requires.
func (s *session) attachPlugins() error {
	slots := []struct {
		kind int32
		what string
		name string
	}{
		{pluginGfx, "video plugin", s.cfg.Video},
		{pluginAudio, "audio plugin", s.cfg.Audio},
		{pluginInput, "input plugin", s.cfg.Input},
		{pluginRSP, "RSP plugin", s.cfg.RSP},
	}
	for _, slot := range slots {
		if err := s.attach(slot.kind, slot.what, slot.name); err != nil {
			return err
		}
	}
	if s.cfg.Video == emucfg.Dummy {
		s.fakeDP = unsafe.Sizeof(uintptr(0)) == 8
		if !s.fakeDP {
			s.logf("launcher warning: no RDP interrupt workaround on 32-bit hosts")
		}
	}
	return nil
}

// attach starts and attaches one plugin; a NULL handle makes the core
// start its built-in dummy for that slot.
func (s *session) attach(kind int32, what, name string) error {
	if name == emucfg.Dummy {
		return s.c.check("attach dummy "+what, s.c.attachPlugin(kind, 0))
	}
	p, err := loadPlugin(what, s.cfg.PluginPath(name))
	if err != nil {
		return err
	}
	if err := s.c.check("start "+what, p.startup(s.c.handle, uintptr(kind), debugCB)); err != nil {
		return err
	}
	s.pluginCleanup = append(s.pluginCleanup, func() { p.shutdown() })
	if err := s.c.check("attach "+what, s.c.attachPlugin(kind, p.handle)); err != nil {
		return err
	}
	s.pluginCleanup = append(s.pluginCleanup, func() { s.c.detachPlugin(kind) })
	return nil
}

// cheatCode is m64p_cheat_code.
type cheatCode struct {
	addr  uint32
	value int32
}

func (s *session) addCheats() error {
	for _, ch := range s.cfg.Cheats {
		codes := make([]cheatCode, len(ch.Codes))
		for i, c := range ch.Codes {
			codes[i] = cheatCode{addr: c.Addr, value: int32(c.Value)}
		}
		rc := s.c.addCheat(ch.Name, unsafe.Pointer(&codes[0]), int32(len(codes)))
		if err := s.c.check(fmt.Sprintf("add cheat %q", ch.Name), rc); err != nil {
			return err
		}
	}
	return nil
}

// startNetplay checks the core's netplay version, connects to the host and
// registers each of the player's ports.
func (s *session) startNetplay() error {
	if s.cfg.NetplayHost == "" {
		return nil
	}
	var version uint32
	if err := s.c.command("netplay version", cmdNetplayVersion, netplayAPIVersion, unsafe.Pointer(&version)); err != nil {
		return err
	}
	host := cString(s.cfg.NetplayHost)
	if err := s.c.command("netplay init", cmdNetplayInit, int32(s.cfg.NetplayPort), unsafe.Pointer(&host[0])); err != nil {
		return err
	}
	s.onCleanup(func() { s.c.doCommand(cmdNetplayClose, 0, nil) })
	regID := s.cfg.RegID
	for regID == 0 {
		regID = rand.Uint32()
	}
	for _, port := range s.cfg.Ports {
		if err := s.c.command(fmt.Sprintf("register player %d", port), cmdNetplayControl, int32(port), unsafe.Pointer(&regID)); err != nil {
			return err
		}
	}
	s.logf("launcher: netplay to %s:%d, ports %v, core netplay version %d", s.cfg.NetplayHost, s.cfg.NetplayPort, s.cfg.Ports, version)
	return nil
}

var errNotRunning = errors.New("emulator not running")
