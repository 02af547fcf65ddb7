package commands

import (
	"context"
	"errors"
	"fmt"
)

// errOffline is the refusal for session commands outside a session.
var errOffline = errors.New("you are in no session: /server to host one, /connect HOST to join one")

func (n Name) run(_ context.Context, c *Console) error {
	if err := c.Ctl.SetName(n.Name); err != nil {
		return err
	}
	c.UI.PrintErr("you are now " + n.Name)
	return nil
}

func (s Server) run(ctx context.Context, c *Console) error {
	if st := c.Ctl.State(); st.Phase != Offline {
		return fmt.Errorf("you are already in the session at %s; /quit first", st.Addr)
	}
	port, err := c.Ctl.Serve(ctx, s.Port)
	if err != nil {
		return err
	}
	c.UI.PrintErr(fmt.Sprintf("hosting on port %d (TCP and UDP); others join with /connect YOUR-ADDRESS:%d", port, port))
	return nil
}

func (k Connect) run(ctx context.Context, c *Console) error {
	if st := c.Ctl.State(); st.Phase != Offline {
		return fmt.Errorf("you are already in the session at %s; /quit first", st.Addr)
	}
	if err := c.Ctl.Connect(ctx, k.Addr()); err != nil {
		return err
	}
	c.UI.PrintErr("joined the session at " + k.Addr())
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

func (l Lag) run(_ context.Context, c *Console) error {
	if err := c.Ctl.SetLag(l.Frames); err != nil {
		return err
	}
	if c.Ctl.State().Phase == Offline {
		c.UI.PrintErr(fmt.Sprintf("a session you host will start with lag %d", l.Frames))
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
