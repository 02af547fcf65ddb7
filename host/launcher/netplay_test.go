package launcher

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/netpak/netpak/host/launcher/emucfg"
)

// TestNetplayStartup checks that the child performs the netplay calls in
// the core's order: both ports registered with one regid, then (inside
// EXECUTE) P1's settings, the four save files and the registration query.
// The host side here is a minimal fake of the start-up handshake only,
// because the real host lives in package host, which imports this one;
// the end-to-end lockstep tests run against the real host.
func TestNetplayStartup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const regID = 0x5EED1234
	logPath := t.TempDir() + "/core.log"
	logOnFailure(t, logPath)
	p := startChild(t, ctx, emucfg.Config{
		ROM: writeROM(t, 1<<20), Headless: true, LogPath: logPath,
		NetplayHost: "127.0.0.1", NetplayPort: ln.Addr().(*net.TCPAddr).Port, Ports: []int{1, 3}, RegID: regID,
		Cheats: []emucfg.Cheat{{Name: "before netplay", Codes: []emucfg.CheatCode{{Addr: 0x80100040, Value: 0x00AB}}}},
	})
	conn := acceptCore(t, ctx, ln, p)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	for _, player := range []byte{0, 2} {
		reg := readN(t, conn, 8)
		if reg[0] != 5 || reg[1] != player || binary.BigEndian.Uint32(reg[4:]) != regID {
			t.Fatalf("register = % x, want op 5, player %d, regid %#x", reg, player, regID)
		}
		write(t, conn, []byte{1, 2}) // accepted, buffer target 2
	}
	settings := readN(t, conn, 25)
	if settings[0] != 3 || binary.BigEndian.Uint32(settings[17:]) != 2 {
		t.Fatalf("settings = % x, want op 3 with emumode 2 (dynarec)", settings)
	}
	for _, ext := range []string{"mpk", "eep", "fla", "sra"} {
		readSave(t, conn, ext)
	}
	if op := readN(t, conn, 1); op[0] != 6 {
		t.Fatalf("op %d, want 6 (get registration)", op[0])
	}
	reply := make([]byte, 24)
	for _, slot := range []int{0, 2} {
		binary.BigEndian.PutUint32(reply[6*slot:], regID)
		reply[6*slot+4] = 1 // no pak
	}
	write(t, conn, reply)
	select {
	case <-p.Running():
	case <-p.Exited():
		t.Fatalf("emulator ended: %v", p.Wait())
	case <-ctx.Done():
		t.Fatal("emulator not running after the handshake")
	}
	// Nobody answers its inputs now; the core would wait 10 s for them.
	p.kill()
	p.Wait()
}

// acceptCore waits for the core's TCP connection, skipping the test if
// the child ends first because the core is not installed.
func acceptCore(t *testing.T, ctx context.Context, ln net.Listener, p *Process) net.Conn {
	t.Helper()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	select {
	case c := <-accepted:
		return c
	case <-p.Exited():
		err := p.Wait()
		skipIfMissing(t, err)
		t.Fatalf("emulator ended before connecting: %v", err)
	case <-ctx.Done():
		t.Fatal("core did not connect")
	}
	return nil
}

func readN(t *testing.T, c net.Conn, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatalf("read %d bytes: %v", n, err)
	}
	return b
}

func write(t *testing.T, c net.Conn, b []byte) {
	t.Helper()
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
}

// readSave reads one SEND_SAVE: op 1, the extension and a NUL, a
// big-endian size, then the data.
func readSave(t *testing.T, c net.Conn, ext string) {
	t.Helper()
	head := readN(t, c, 1+len(ext)+1+4)
	if head[0] != 1 || string(head[1:1+len(ext)]) != ext || head[1+len(ext)] != 0 {
		t.Fatalf("save header % x, want op 1 and %q", head, ext)
	}
	size := binary.BigEndian.Uint32(head[len(head)-4:])
	if size > 1<<20 {
		t.Fatalf("save %s of %d bytes", ext, size)
	}
	readN(t, c, int(size))
}
