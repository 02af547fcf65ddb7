//go:build darwin || windows

package emucfg

// withInstall points c at the core of in, and at its plugins and data where
// c names none.
func (c Config) withInstall(in install) Config {
	c.CoreLib = in.core
	if c.PluginDir == "" {
		c.PluginDir = in.plugins
	}
	if c.DataDir == "" {
		c.DataDir = in.data
	}
	return c
}
