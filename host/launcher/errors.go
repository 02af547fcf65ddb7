package launcher

import "github.com/netpak/netpak/host/launcher/childproto"

// The errors a game can end with. The child reports them and the
// protocol carries them to the parent, so they are defined in
// [childproto]; these are the same values, as os.ErrNotExist is
// fs.ErrNotExist.
var (
	// ErrMissing matches every [*MissingError]: the core library or a
	// plugin is not installed. Callers branch on it to tell the player
	// what to install while the session stays usable for chat.
	ErrMissing = childproto.ErrMissing
	// ErrUnsupported reports a platform where the launcher cannot load
	// libraries at run time.
	ErrUnsupported = childproto.ErrUnsupported
	// ErrCore reports a core call that failed; the message carries the
	// call and the core's own description.
	ErrCore = childproto.ErrCore
	// ErrChild reports a child process that died or broke the protocol.
	ErrChild = childproto.ErrChild
)

// MissingError says which piece is missing and which Debian package
// provides it.
type MissingError = childproto.MissingError
