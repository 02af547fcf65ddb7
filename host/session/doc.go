// Package session owns the words every side of a netpak session speaks:
// what happened ([Event] and the line a console prints for it), who takes
// part ([Member], [PortMask], [LeaveReason]), the rule for a member's name
// ([CheckName]), and the errors callers branch on ([ErrHostGone],
// [ErrSaveMismatch] …). The host, its clients and the console share it, so
// that a client names events without importing the server.
//
// It holds no state and does no I/O; it must not import the host, the
// client or anything that opens a socket. Its game and protocol words are
// aliases of package lockstep's and package wire's.
package session
