package cheats

import (
	"fmt"
	"strings"
)

// ParsePatch canonicalises a cheat the emulator applies by itself, such
// as a mupen64plus.ini or Project64.rdb "CheatN=" value
// ("XXXXXXXX YYYY,XXXXXXXX YYYY,…"), for [CodeSet.Patches]. The same
// refusals as [Resolve] apply; name is only shown to people.
func ParsePatch(name, value string) (CheatCodes, error) {
	name, err := checkName("patch name", name)
	if err != nil {
		return CheatCodes{}, err
	}
	c := &Cheat{Name: name}
	for i, s := range strings.Split(value, ",") {
		rc, rest, err := parseCode(strings.TrimSpace(s))
		if err == nil && (rest != "" || rc.OptMask != 0) {
			err = fmt.Errorf("code %q: want XXXXXXXX YYYY: %w", clip(s), ErrSyntax)
		}
		if err == nil {
			rc.Pos = i + 1
			err = addCode(c, rc)
		}
		if err != nil {
			return CheatCodes{}, fmt.Errorf("patch %q: code %d: %w", name, i+1, err)
		}
	}
	codes, err := canonCheat(c, FormatRMGLobby, 0, func(string) {})
	if err != nil {
		return CheatCodes{}, err
	}
	return CheatCodes{Name: wireName(name), Codes: codes}, nil
}
