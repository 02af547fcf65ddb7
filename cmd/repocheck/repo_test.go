package repocheck

import (
	"bytes"
	"encoding/json"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/netpak/netpak"

// goPackage is the part of `go list -json` output these tests read.
type goPackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Deps       []string
	Imports    []string
}

func listPackages(t *testing.T) []goPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "-deps=false", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []goPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p goPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs
}

func TestGofmt(t *testing.T) {
	cmd := exec.Command("gofmt", "-l", ".")
	cmd.Dir = "../.."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gofmt: %v\n%s", err, out)
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		t.Errorf("gofmt would change these files:\n%s", s)
	}
}

// TestPackageDocs checks that every package has exactly one package
// comment and that it lives in doc.go.
func TestPackageDocs(t *testing.T) {
	for _, p := range listPackages(t) {
		var withDoc []string
		for _, f := range p.GoFiles {
			fset := token.NewFileSet()
			af, err := parser.ParseFile(fset, filepath.Join(p.Dir, f), nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Fatalf("parse %s: %v", f, err)
			}
			if af.Doc != nil {
				withDoc = append(withDoc, f)
			}
		}
		if len(withDoc) != 1 || withDoc[0] != "doc.go" {
			t.Errorf("%s: package comment in %v, want exactly one, in doc.go", p.ImportPath, withDoc)
		}
	}
}

// fence lists, per import-path prefix of a dependency, the package
// prefixes allowed to import it (directly or not).
var fence = []struct {
	dep     string
	allowed []string
}{
	{"github.com/chzyer/readline", []string{module + "/cmd"}},
	{"rsc.io/qr", []string{module + "/commands/qrtext", module + "/cmd"}},
	{"golang.zx2c4.com/wireguard", []string{module + "/vpn", module + "/cmd"}},
	{"gvisor.dev/gvisor", []string{module + "/vpn", module + "/cmd"}},
	{module + "/vpn", []string{module + "/vpn", module + "/cmd"}},
	{module + "/vpn/rendezvous", []string{module + "/vpn/rendezvous", module + "/cmd"}},
	{module + "/commands", []string{module + "/commands", module + "/cmd"}},
	{module + "/host", []string{module + "/host", module + "/commands", module + "/cmd"}},
	// The WebSocket library serves the lobby and nothing else; the lobby's
	// rooms are sessions of host, and only the wiring above starts them.
	{"github.com/coder/websocket", []string{module + "/host/lobby", module + "/commands", module + "/cmd"}},
	{module + "/host/lobby", []string{module + "/host/lobby", module + "/commands", module + "/cmd"}},
	// Only the emulator child loads libraries, and only netpak's main runs
	// it: the parent's side (host/launcher) never links it.
	{"github.com/ebitengine/purego", []string{module + "/host/launcher/corechild", module + "/cmd"}},
	{module + "/host/launcher/corechild", []string{module + "/host/launcher/corechild", module + "/cmd"}},
}

// server is the session server: package host and its room (not the
// other packages under host). Only serverUsers may depend on it, and the
// room only through host: a client, and the words it speaks
// (host/session), never need either.
var (
	server      = []string{module + "/host", module + "/host/room"}
	serverUsers = []string{module + "/host/lobby", module + "/commands", module + "/cmd"}
)

// pure lists packages that must depend on neither WireGuard, gVisor nor
// any netpak package but the few named, even where the fence above would
// allow it: the rendezvous server and the codec it shares with vpn stay
// free of the tunnel, and host's codec and model stay free of the host.
var pure = []struct {
	pkg    string
	except []string // netpak packages it may import
	core   bool     // a codec or model: no network, files or clock either
}{
	{module + "/vpn/natmsg", nil, true},
	{module + "/vpn/rendezvous", []string{module + "/vpn/natmsg"}, false},
	{module + "/host/lockstep", nil, true},
	{module + "/host/wire", []string{module + "/host/lockstep", module + "/host/m64p", module + "/saves", module + "/saves/rom"}, true},
	{module + "/host/check", []string{module + "/saves", module + "/saves/rom"}, true},
	{module + "/host/lobby/lobbymsg", nil, true},
	{module + "/host/limit", nil, false},
	{module + "/host/portfwd", nil, false},
	{module + "/host/udpsock", []string{module + "/host/wire", module + "/host/lockstep", module + "/host/m64p", module + "/saves", module + "/saves/rom"}, false},
	{module + "/host/coreserve", []string{module + "/host/wire", module + "/host/lockstep", module + "/host/m64p", module + "/saves", module + "/saves/rom"}, false},
	// Words, not I/O; not a pure core only because DefaultDropTimeout is a
	// time.Duration.
	{module + "/host/session", []string{module + "/host/wire", module + "/host/lockstep", module + "/host/m64p", module + "/saves", module + "/saves/rom"}, false},
	{module + "/host/listen", nil, false},
	{module + "/host/ledger", []string{module + "/host/session", module + "/host/wire", module + "/host/lockstep", module + "/host/m64p", module + "/saves", module + "/saves/rom"}, true},
	// A session's direct cores reach the session through an interface:
	// never the server, the client or the lobby.
	// The session's state: never a socket of its own, the client or the lobby.
	{module + "/host/room", []string{module + "/host/direct", module + "/host/ledger", module + "/host/limit", module + "/host/check", module + "/host/coreserve", module + "/host/udpsock", module + "/host/session", module + "/host/internal/testhook", module + "/host/wire", module + "/host/lockstep", module + "/host/m64p", module + "/saves", module + "/saves/rom"}, false},
	{module + "/host/direct", []string{module + "/host/coreserve", module + "/host/udpsock", module + "/host/session", module + "/host/internal/testhook", module + "/host/wire", module + "/host/lockstep", module + "/host/m64p", module + "/saves", module + "/saves/rom"}, false},
	{module + "/host/launcher/emucfg", nil, false},
	{module + "/host/launcher/childproto", []string{module + "/host/launcher/emucfg"}, false},
}

// notInPure are the dependency prefixes the packages in pure must avoid.
var notInPure = []string{"golang.zx2c4.com/wireguard", "gvisor.dev/gvisor", module}

func TestImportFence(t *testing.T) {
	cmd := exec.Command("go", "list", "-json", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p goPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		for _, d := range p.Deps {
			if slices.Contains(server, d) && p.ImportPath != module+"/host" && !hasAnyPrefix(p.ImportPath, serverUsers) {
				t.Errorf("%s depends on the session server %s; only %v may", p.ImportPath, d, serverUsers)
			}
			for _, q := range pure {
				if p.ImportPath == q.pkg && hasAnyPrefix(d, notInPure) && !slices.Contains(q.except, d) {
					t.Errorf("%s depends on %s; it may depend on no netpak package but %v, nor on WireGuard or gVisor", p.ImportPath, d, q.except)
				}
			}
			for _, f := range fence {
				if d != f.dep && !strings.HasPrefix(d, f.dep+"/") {
					continue
				}
				if !hasAnyPrefix(p.ImportPath, f.allowed) {
					t.Errorf("%s depends on %s; only %v may", p.ImportPath, d, f.allowed)
				}
			}
		}
	}
}

// TestPureCores checks that the pure cores among pure (codecs and models)
// import neither the network, the file system nor the clock.
func TestPureCores(t *testing.T) {
	for _, p := range listPackages(t) {
		for _, q := range pure {
			if p.ImportPath != q.pkg || !q.core {
				continue
			}
			for _, d := range p.Imports {
				if d == "net" || d == "os" || d == "time" || strings.HasPrefix(d, "os/") {
					t.Errorf("%s imports %s: a pure core does no I/O and reads no clock", p.ImportPath, d)
				}
			}
		}
	}
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if s == p || strings.HasPrefix(s, p+"/") {
			return true
		}
	}
	return false
}

func TestNoStrayTopLevel(t *testing.T) {
	allowed := map[string]bool{
		"cmd": true, "host": true, "commands": true, "saves": true, "cheats": true, "vpn": true,
		"go.mod": true, "go.sum": true, "README.md": true, ".ci": true, ".gitignore": true,
	}
	cmd := exec.Command("git", "ls-files")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("git ls-files unavailable (not a checkout?): %v", err)
	}
	for _, f := range strings.Fields(string(out)) {
		top, _, _ := strings.Cut(f, "/")
		if !allowed[top] {
			t.Errorf("tracked %q is outside the fixed top-level layout", f)
		}
	}
}

// TestModTidy checks that go.mod and go.sum say exactly what the code
// needs: direct requirements marked direct, nothing stale.
func TestModTidy(t *testing.T) {
	cmd := exec.Command("go", "mod", "tidy", "-diff")
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("go mod tidy -diff: %v\n%s", err, out)
	}
}
