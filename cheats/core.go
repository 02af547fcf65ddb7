package cheats

import "fmt"

// CoreCode mirrors mupen64plus's m64p_cheat_code: Address holds the type
// byte above the 24-bit address, Value the 16-bit (or 8-bit) value.
type CoreCode struct {
	Address uint32
	Value   int32
}

// CoreCheat is one cheat as CoreAddCheat takes it.
type CoreCheat struct {
	Name  string
	Codes []CoreCode
}

// CoreCheats renders the set's cheats, in application order, as the
// arguments of mupen64plus's CoreAddCheat. Names are made unique (the core
// keys cheats by name) by adding " (2)", " (3)" …. Patches are left out:
// the core applies its own mupen64plus.ini hacks. Repeaters stay as 50
// lines; the core expands them itself.
func (s *CodeSet) CoreCheats() []CoreCheat {
	used := make(map[string]bool)
	out := make([]CoreCheat, 0, len(s.Cheats))
	for _, c := range s.Cheats {
		base := c.Name
		if base == "" {
			base = "cheat"
		}
		name := base
		for n := 2; used[name]; n++ {
			name = fmt.Sprintf("%s (%d)", base, n)
		}
		used[name] = true
		cc := CoreCheat{Name: name, Codes: make([]CoreCode, len(c.Codes))}
		for i, code := range c.Codes {
			cc.Codes[i] = CoreCode{Address: uint32(code.Type)<<24 | code.Address, Value: int32(code.Value)}
		}
		out = append(out, cc)
	}
	return out
}
