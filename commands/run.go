package commands

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// errOffline is the refusal for session commands outside a session.
var errOffline = errors.New("you are in no session: /server to host one, /connect HOST to join one")

func (n Name) run(_ context.Context, c *Console) error {
	offline := c.Ctl.State().Phase == Offline
	if err := c.Ctl.SetName(n.Name); err != nil {
		return err
	}
	if offline { // in a session the host tells everyone, or says why not
		c.UI.PrintErr("you are now " + n.Name)
	}
	return nil
}

// joinLine says how others on this machine's networks join h.
func joinLine(h Hosted) string {
	if len(h.Addrs) == 0 {
		return fmt.Sprintf("others join with /connect YOUR-ADDRESS:%d", h.Port)
	}
	var at []string
	for _, a := range h.Addrs {
		at = append(at, "/connect "+net.JoinHostPort(a, strconv.Itoa(h.Port)))
	}
	return "others on your network join with " + strings.Join(at, " or ")
}

func (s Server) run(ctx context.Context, c *Console) error {
	if st := c.Ctl.State(); st.Phase != Offline {
		return fmt.Errorf("you are already in the session at %s; /leave first", st.Addr)
	}
	h, err := c.Ctl.Serve(ctx, s)
	if err != nil {
		return err
	}
	join := joinLine(h)
	switch {
	case h.VPNPort == 0:
		c.UI.PrintErr(fmt.Sprintf("hosting on port %d (TCP and UDP); %s; from the internet, forward port %d (TCP and UDP) or use /server %d vpn", h.Port, join, h.Port, h.Port))
	case h.VPNOnly:
		c.UI.PrintErr(fmt.Sprintf("hosting through the built-in VPN on UDP port %d only; others join with /connect and the invite:", h.VPNPort))
	default:
		c.UI.PrintErr(fmt.Sprintf("hosting on port %d (TCP and UDP) and through the built-in VPN on UDP port %d; %s, or with /connect and the invite:", h.Port, h.VPNPort, join))
	}
	if h.Reach != "" {
		c.UI.PrintErr("reachability: " + h.Reach)
	}
	if h.Invite != "" {
		c.UI.Print(h.Invite)
		c.UI.PrintErr("(/invite shows it with a QR code)")
	}
	return nil
}

func (k Connect) run(ctx context.Context, c *Console) error {
	if st := c.Ctl.State(); st.Phase != Offline {
		return fmt.Errorf("you are already in the session at %s; /leave first", st.Addr)
	}
	if err := c.Ctl.Connect(ctx, k.Addr()); err != nil {
		return err
	}
	c.target = k.Addr()
	if k.Invite != "" {
		st := c.Ctl.State()
		where := st.Addr
		if st.Path != "" {
			where += ", " + st.Path
		}
		c.UI.PrintErr("joined the session through the built-in VPN (" + where + ")")
		return nil
	}
	c.UI.PrintErr("joined the session at " + k.Addr())
	return nil
}

func (i Invite) run(_ context.Context, c *Console) error {
	if err := needHost(c, "invite players"); err != nil {
		return err
	}
	if i.WG {
		return i.runWG(c)
	}
	inv, err := c.Ctl.Invite(i.New)
	if err != nil {
		return err
	}
	if i.New {
		c.UI.PrintErr("a new invite; the old one no longer admits anybody")
	}
	c.UI.PrintErr("players join with /connect and this line (UDP port " + fmt.Sprint(inv.VPNPort) + " must reach this machine):")
	c.UI.Print(inv.Text)
	for _, l := range inv.QR {
		c.UI.Print(l)
	}
	return nil
}

func (i Invite) runWG(c *Console) error {
	wg, err := c.Ctl.InviteWG(i.File)
	if err != nil {
		return err
	}
	c.UI.PrintErr(fmt.Sprintf("wrote %s for one player of the WireGuard app (tunnel address %v); keep it private.", wg.Path, wg.Addr))
	c.UI.PrintErr("They import it in the app (or scan the code below with a phone), activate it, and point their emulator's netplay at " +
		fmt.Sprintf("%s port %d. /kick removes them once they joined.", wg.HostAddr, TunnelSessionPort))
	for _, l := range wg.QR {
		c.UI.Print(l)
	}
	return nil
}

func (a Answer) run(_ context.Context, c *Console) error {
	if err := needHost(c, "take answer codes"); err != nil {
		return err
	}
	if err := c.Ctl.AcceptAnswer(a.Code); err != nil {
		return err
	}
	c.UI.PrintErr("punching toward the player for 30 s: they join as soon as a path opens")
	return nil
}

func (k Kick) run(_ context.Context, c *Console) error {
	if err := needHost(c, "kick anybody"); err != nil {
		return err
	}
	if strings.EqualFold(k.Name, c.Ctl.State().Name) {
		return errors.New("you cannot kick yourself; /leave closes the session")
	}
	return c.Ctl.Kick(k.Name)
}

// needHost refuses what only the host of a session may do.
func needHost(c *Console, what string) error {
	st := c.Ctl.State()
	switch {
	case st.Phase == Offline:
		return errOffline
	case !st.Hosting:
		return errors.New("only the host can " + what)
	}
	return nil
}

func (Start) run(_ context.Context, c *Console) error {
	st := c.Ctl.State()
	switch {
	case st.Phase == Offline:
		return errOffline
	case !st.Hosting:
		return errors.New("only the host can start the game")
	case st.Phase == Playing:
		return errors.New("the game has already started")
	}
	return c.Ctl.Start()
}

func (Stop) run(_ context.Context, c *Console) error {
	st := c.Ctl.State()
	switch {
	case st.Phase == Offline:
		return errOffline
	case !st.Hosting:
		return errors.New("only the host can stop the game")
	case st.Phase != Playing:
		return errors.New("no game is running: /start plays one")
	}
	return c.Ctl.Stop()
}

func (Check) run(ctx context.Context, c *Console) error {
	// The emulator first: what it finds is in the rows (everyone's /check
	// shows it), so the summary never says "/start when ready" above
	// "your emulator cannot start".
	ec := c.Ctl.CheckEmulator(ctx)
	rows, err := c.Ctl.Check()
	if err != nil {
		return err
	}
	c.UI.Print(CheckText(rows, c.ASCII))
	if text := EmulatorCheckText(ec); text != "" {
		c.UI.Print(text)
	}
	return nil
}

func (y Sync) run(ctx context.Context, c *Console) error {
	if err := needHost(c, "send its saves and cheats"); err != nil {
		return err
	}
	if strings.EqualFold(y.Player, c.Ctl.State().Name) {
		return errors.New("you are the host: the others get your saves and cheats")
	}
	return c.Ctl.Sync(ctx, y.Player)
}

func (l Lag) run(_ context.Context, c *Console) error {
	if err := c.Ctl.SetLag(l.Frames); err != nil {
		return err
	}
	if st := c.Ctl.State(); st.Phase == Offline {
		text := "a session you host will start with " + lagText(st)
		if st.AutoLag {
			text += "; /autolag off keeps it there"
		}
		c.UI.PrintErr(text)
	}
	return nil
}

func (ShowLag) run(_ context.Context, c *Console) error {
	c.UI.Print(LagText(c.Ctl.State()))
	return nil
}

// LagText is what "/lag" prints: the lag, autolag and golf mode, or
// outside a session the ones a session you host starts with.
func LagText(st State) string {
	if st.Phase == Offline {
		return fmt.Sprintf("a session you host will start with %s, golf mode %s", lagText(st), onOff(st.Golf))
	}
	return fmt.Sprintf("%s, %s", lagText(st), golfText(st))
}

// lagText says the lag and whether autolag follows the network with it.
func lagText(st State) string {
	return fmt.Sprintf("lag %d (autolag %s)", st.Lag, onOff(st.AutoLag))
}

// golfText says whether golf mode is on, and who holds the seat.
func golfText(st State) string {
	if !st.Golf {
		return "golf off"
	}
	if st.Seat != "" {
		return fmt.Sprintf("golf on (seat: %s, lag %d)", st.Seat, st.SeatLag)
	}
	return "golf on"
}

func (Leave) run(_ context.Context, c *Console) error {
	st := c.Ctl.State()
	if st.Phase == Offline && st.Rejoining != "" {
		c.Ctl.Leave()
		c.UI.PrintErr("stopped rejoining " + st.Rejoining)
		return nil
	}
	if st.Phase == Offline {
		return errOffline
	}
	if err := c.Ctl.Leave(); err != nil {
		return err
	}
	if st.Hosting {
		c.UI.PrintErr("closed the session you hosted (" + st.Addr + "); /server or /connect starts another")
	} else {
		c.UI.PrintErr("left the session at " + st.Addr + "; /server or /connect starts another")
	}
	return nil
}

func (Golf) run(_ context.Context, c *Console) error {
	if err := c.Ctl.ToggleGolf(); err != nil {
		return err
	}
	if st := c.Ctl.State(); st.Phase == Offline {
		c.UI.PrintErr("a session you host will start with golf mode " + onOff(st.Golf))
	}
	return nil
}

func (a AutoLag) run(_ context.Context, c *Console) error {
	if err := c.Ctl.SetAutoLag(a.On); err != nil {
		return err
	}
	if st := c.Ctl.State(); st.Phase == Offline {
		c.UI.PrintErr("a session you host will start with autolag " + onOff(a.On))
	}
	return nil
}

func (LagStat) run(_ context.Context, c *Console) error {
	st := c.Ctl.State()
	if st.Phase == Offline {
		return errOffline
	}
	c.UI.Print(LagStatText(st.Members, st.Lag, st.Golf))
	return nil
}

func (Who) run(_ context.Context, c *Console) error {
	st := c.Ctl.State()
	if st.Phase == Offline {
		return errOffline
	}
	c.UI.Print(WhoText(st))
	return nil
}

func (h Help) run(_ context.Context, c *Console) error {
	c.UI.Print(HelpText(h.Topic))
	return nil
}

func (Quit) run(_ context.Context, c *Console) error {
	if err := c.Ctl.Leave(); err != nil {
		c.UI.PrintErr(err)
	}
	return errQuit
}

func (s Say) run(_ context.Context, c *Console) error {
	if c.Ctl.State().Phase == Offline {
		return errors.New("nobody hears you: you are in no session (/help lists the commands)")
	}
	return c.Ctl.Chat(s.Text)
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
