package commands

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/netpak/netpak/host/check"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/launcher/emucfg"
	"github.com/netpak/netpak/saves"
)

// CheckText formats rows as /check prints them: one row per player with a
// tick (ascii: "ok") or what differs from the reference player (the
// host's own, or the player on the lowest port), then what to do.
func CheckText(rows []client.CheckRow, ascii bool) string {
	tick := "✓"
	if ascii {
		tick = "ok"
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tPORTS\tROM, SAVES AND CHEATS")
	differ, waiting, refName, hostRef, simulated := 0, 0, "", false, 0
	var broken []string      // players whose emulator cannot start
	hostBroken := false      // the host's own among them
	others, otherROM := 0, 0 // players compared with the reference; those whose ROM differs
	var refCheats []string
	for _, r := range rows {
		if r.Reference {
			refCheats = r.Cheats
		}
	}
	for _, r := range rows {
		if r.NoROM {
			simulated++
		}
		var what string
		switch {
		case r.Skipped:
			what = "a mupen64plus core: gets player 1's saves, tells nothing else"
		case r.Mismatch != nil && r.Mismatch.Missing:
			what, waiting = "not announced yet", waiting+1
		case r.Reference:
			what, refName, hostRef = "the reference", r.Member.Name, r.Member.Host
		case r.Mismatch != nil && r.NoROM:
			what, differ, otherROM = noROMText, differ+1, otherROM+1
		case r.Mismatch != nil:
			what, differ = diffText(r.Mismatch, refCheats, r.Cheats), differ+1
			if r.Mismatch.ROMDiffers() {
				otherROM++
			}
		default:
			what = tick
		}
		if !r.Skipped && !r.Reference && (r.Mismatch == nil || !r.Mismatch.Missing) {
			others++
		}
		if e := r.Emulator; e != nil && !e.OK {
			what += "; emulator " + e.Text
			broken = append(broken, r.Member.Name)
			hostBroken = hostBroken || r.Member.Host
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.Member.Name, r.Member.Ports, what)
	}
	tw.Flush()
	if others > 1 && otherROM == others {
		fmt.Fprintf(&b, "nobody has %s's ROM: %s may have loaded another game, or another version or region of it\n", refName, refName)
	}
	if len(broken) > 0 {
		fmt.Fprintf(&b, "%s of %s cannot start the game: /start waits until %s fixed (and /check run again)", pick(len(broken) > 1, "the emulators", "the emulator"), check.JoinAnd(broken), pick(len(broken) > 1, "they are", "it is"))
		if !hostBroken || len(broken) > 1 {
			b.WriteString(pick(hostBroken, ", or the other players /spectate", ", or the player /spectates"))
		}
		if differ == 0 && waiting == 0 {
			return b.String() // nothing else stands in the way
		}
		b.WriteString("\n")
	}
	switch {
	case differ > 0 && hostRef && otherROM == differ:
		fmt.Fprintf(&b, "%d player%s differ%s from the host's ROM: they must load the host's ROM, whose saves and cheats /sync can then send", differ, plural(differ), verbS(differ))
	case differ > 0 && hostRef && otherROM > 0:
		fmt.Fprintf(&b, "%d player%s differ%s from the host: /sync sends the host's saves and cheats to those with its ROM; %d must load the host's ROM first", differ, plural(differ), verbS(differ), otherROM)
	case differ > 0 && hostRef:
		fmt.Fprintf(&b, "%d player%s differ%s from the host: /sync sends the host's saves and cheats", differ, plural(differ), verbS(differ))
	case differ > 0:
		fmt.Fprintf(&b, "%d player%s differ%s from %s: everyone must use the same ROM, saves and cheats", differ, plural(differ), verbS(differ), refName)
	case waiting > 0:
		fmt.Fprintf(&b, "waiting for %d player%s to announce their ROM, saves and cheats", waiting, plural(waiting))
	case simulated == len(rows) && simulated > 0:
		b.WriteString("everyone plays netpak's simulated game (no rom): nothing to compare")
	case len(rows) == 0:
		b.WriteString("nobody holds a controller port yet")
	default:
		b.WriteString("everyone matches: /start when ready")
	}
	return b.String()
}

// diffText says how a player differs from the reference; the cheats by
// name when both said which they enabled.
func diffText(mm *check.Mismatch, refCheats, cheats []string) string {
	parts := make([]string, len(mm.Diffs))
	for i, d := range mm.Diffs {
		parts[i] = d.String()
		if d.Item == saves.ItemCheats && refCheats != nil && cheats != nil {
			parts[i] = cheatDiff(refCheats, cheats)
		}
	}
	return strings.Join(parts, "; ")
}

// cheatDiff names the cheats a player lacks and has beyond the reference's.
func cheatDiff(ref, got []string) string {
	var without, with []string
	for _, n := range ref {
		if !slices.Contains(got, n) {
			without = append(without, n)
		}
	}
	for _, n := range got {
		if !slices.Contains(ref, n) {
			with = append(with, n)
		}
	}
	var parts []string
	if len(without) > 0 {
		parts = append(parts, "without "+check.JoinAnd(without))
	}
	if len(with) > 0 {
		parts = append(parts, "with "+check.JoinAnd(with))
	}
	if len(parts) == 0 {
		return "cheats: the same names, other codes"
	}
	return "cheats: " + strings.Join(parts, ", ")
}

// romDiffers reports whether mm says the ROM differs.
// noROMText is what /check says of a player without a rom, beside a
// reference with one: every item differs, and one thing fixes them all.
const noROMText = "plays without a ROM (netpak's simulated game): needs rom in their session file"

// pick returns a if cond, else b.
func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func verbS(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}

// EmulatorCheck is what /check says about this player's own emulator.
type EmulatorCheck struct {
	// ROM is the ROM's file name; "" when no emulator runs here (the
	// simulated game) or a game runs already.
	ROM string
	// Err says why the emulator cannot start; nil when it can.
	Err error
	// ConfigFile is the player's mupen64plus.cfg the game starts from, a
	// copy of it; "" for none (the core's defaults), and ConfigDir is the
	// folder it was looked for in.
	ConfigFile, ConfigDir string
	// Overrides are the player's settings the game runs with changed,
	// because every player must agree on them.
	Overrides []emucfg.Override
}

// short says in a few words what ec found, for the other players' /check.
func (ec EmulatorCheck) short() string {
	if ec.Err != nil {
		return strings.ReplaceAll(fmt.Sprintf("cannot start %s: %v", ec.ROM, ec.Err), "\n", " ")
	}
	return "can start " + ec.ROM
}

// EmulatorCheckText formats ec as /check prints it below the players; ""
// when there is nothing to say.
func EmulatorCheckText(ec EmulatorCheck) string {
	if ec.ROM == "" {
		return ""
	}
	if ec.Err != nil {
		return fmt.Sprintf("your emulator cannot start %s: %v\nfix this and /check again: /start waits until it works", ec.ROM, ec.Err)
	}
	var b strings.Builder
	switch {
	case ec.ConfigFile != "":
		fmt.Fprintf(&b, "your emulator can start %s, with your mupen64plus settings from %s", ec.ROM, ec.ConfigFile)
	case ec.ConfigDir != "":
		fmt.Fprintf(&b, "your emulator can start %s, with mupen64plus' default settings (no %s in %s; config_dir can name another folder)", ec.ROM, emucfg.CfgFile, ec.ConfigDir)
	default:
		fmt.Fprintf(&b, "your emulator can start %s, with mupen64plus' default settings", ec.ROM)
	}
	if n := len(ec.Overrides); n > 0 {
		fmt.Fprintf(&b, "\nnetplay changes %d of your settings for the game (your file stays as it is):", n)
		for _, o := range ec.Overrides {
			b.WriteString("\n  " + o.String())
		}
	}
	return b.String()
}
