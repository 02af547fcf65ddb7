package corechild

// Values from mupen64plus-core src/api/m64p_types.h (the same in the
// Debian build f82b37bf and in master).
const (
	frontendAPIVersion = 0x020102 // the core only checks the major number
	netplayAPIVersion  = 0x010001

	cmdROMOpen        = 1
	cmdROMClose       = 2
	cmdExecute        = 5
	cmdStop           = 6
	cmdSetFrameCB     = 15
	cmdCoreStateSet   = 17
	cmdNetplayInit    = 22
	cmdNetplayControl = 23
	cmdNetplayVersion = 24
	cmdNetplayClose   = 25

	pluginRSP   = 1
	pluginGfx   = 2
	pluginAudio = 3
	pluginInput = 4

	dbgPtrRDRAM = 1
	dbgPtrPIReg = 2

	coreEmuState     = 1
	coreSpeedLimiter = 5
	emuRunning       = 2

	msgError   = 1
	msgWarning = 2
	msgInfo    = 3
	msgStatus  = 4
	msgVerbose = 5
)

// miIntrDP is the MI_INTR bit the dummy gfx plugin never raises.
const miIntrDP = 0x20

// piToMI is the offset of pi_controller.mi from the PI register block
// (regs[13], padding, then four pointers; 64-bit hosts, core f82b37bf and
// master alike).
const piToMI = 80

func levelName(level int) string {
	switch level {
	case msgError:
		return "error"
	case msgWarning:
		return "warning"
	case msgInfo:
		return "info"
	case msgStatus:
		return "status"
	case msgVerbose:
		return "verbose"
	}
	return "level?"
}
