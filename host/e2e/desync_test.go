package e2e

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/netpak/netpak/host/launcher/emucfg"
	"github.com/netpak/netpak/host/launcher/testrom"
	"github.com/netpak/netpak/host/session"
)

// MIPS words the wrong player's cheat looks for and writes.
const (
	mfloS3     = 0x00009812 // mflo s3: the hash after a fold step
	mipsNop    = 0x00000000
	mtc0S3Tag  = 0x4093E000 // mtc0 s3, $28 (TagLo)
	stage2ROM  = 0x1000     // where stage 2 sits in the image (testrom's layout)
	stage2Addr = 0x80000400 // and where the ROM runs it
)

// wrongCheat is a cheat only the wrong player has. It rewrites a nop of
// the ROM's hash fold in its own RDRAM into "mtc0 s3, TagLo", so its CP0
// registers, which SYNC_DATA carries, differ from everyone else's: the
// kind of divergence CP0 comparison can see (a change of RAM alone it
// cannot). The core applies cheats at VIs, starting some VIs in.
func wrongCheat(t *testing.T, polls int) emucfg.Cheat {
	t.Helper()
	rom, err := testrom.Build(polls)
	if err != nil {
		t.Fatal(err)
	}
	be := binary.BigEndian
	for off := stage2ROM; off+8 <= stage2ROM+0x1000; off += 4 {
		if be.Uint32(rom[off:]) == mfloS3 && be.Uint32(rom[off+4:]) == mipsNop {
			addr := uint32(stage2Addr+off+4-stage2ROM) & 0x00FFFFFF
			return emucfg.Cheat{Name: "wrong player", Codes: []emucfg.CheatCode{
				{Addr: 0x81000000 | addr, Value: mtc0S3Tag >> 16},        // 16-bit write, upper half
				{Addr: 0x81000000 | addr + 2, Value: mtc0S3Tag & 0xFFFF}, // lower half
			}}
		}
	}
	t.Fatal("no mflo s3; nop pair in the test ROM's stage 2")
	return emucfg.Cheat{}
}

// TestWrongPlayerDesync plays with one player whose emulator runs a cheat
// the others lack. The host must report the desync with its VI, naming
// the wrong player, and the cores must hear of it through the status bit.
func TestWrongPlayerDesync(t *testing.T) {
	const polls = 3000
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cheat := wrongCheat(t, polls)
	pure := func(c *emucfg.Config) { c.R4300Emulator = emucfg.EmuPureInterpreter }
	g := startGame(t, gameSpec{polls: polls, lag: 8, seats: []seat{
		{ports: []int{1}, bridged: true, tweak: pure},
		{ports: []int{2}, tweak: func(c *emucfg.Config) {
			pure(c)
			c.Cheats = []emucfg.Cheat{cheat}
		}},
	}})
	go g.record(ctx, nil) // the spectator keeps up; its streams are not checked here
	desynced := make(chan stamped, 1)
	go func() {
		e, err := g.events.wait(ctx, func(e session.Event) bool { return e.Kind == session.EventDesync && e.Count == 0 })
		if err == nil {
			desynced <- e
		}
	}()
	for i := range g.procs {
		g.waitRunning(ctx, i)
	}
	var ev stamped
	select {
	case ev = <-desynced:
	case <-ctx.Done():
		t.Fatal("the host reported no desync")
	}
	started, _, _ := g.events.find(isKind(session.EventStarted))
	t.Logf("desync reported %v after the start: %v", ev.At.Sub(started.At).Round(time.Millisecond), ev.Event)
	wrong := g.names[1]
	if ev.Who != wrong && ev.Text != wrong {
		t.Errorf("desync %+v names neither side as %s", ev.Event, wrong)
	}
	if ev.Poll == 0 || ev.Poll%60 != 0 {
		t.Errorf("desync at VI %d, want a multiple of 60 (the core's SYNC_DATA period) after VI 0", ev.Poll)
	}
	if !strings.Contains(ev.String(), fmt.Sprintf("VI %d", ev.Poll)) {
		t.Errorf("console line %q does not say the VI", ev.String())
	}
	// The host sets the desync bit in every input reply from then on;
	// each core logs the change of its status.
	for i, path := range g.logs {
		if !waitLog(ctx, path, "players have de-synced") {
			t.Errorf("core %d (%s) never logged the desync status", i, g.names[i])
		}
	}
}
