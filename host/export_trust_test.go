package host

import "time"

// WithLimits returns cfg with admission limits for tests; zero values keep
// the defaults.
func WithLimits(cfg Config, joiningPerIP int, coreMessage, coreIdle time.Duration) Config {
	cfg.limits = limits{joiningPerIP: joiningPerIP, coreMessageTimeout: coreMessage, coreIdleTimeout: coreIdle}
	return cfg
}

// DefaultJoiningPerIP is defaultJoiningPerIP, for tests.
const DefaultJoiningPerIP = defaultJoiningPerIP
