package cheats

// The same four cheats for AeroGauge (J) (V1.1), written in every format
// the package reads. The codes come from mupencheat.txt; the Project64 2.x
// ones are the Xplorer64 encryption of the same lines (E85E2854 5959 is the
// database's own line), and the formats differ where real files differ:
// A0 for 80, a junk high byte on an 8-bit write, XX?? against ????,
// restore values, and cheats listed in a different order.

var aeroKey = GameKey{CRC1: 0x80F41131, CRC2: 0x384645F6, Country: 0x4A}

var aeroSelections = []Selection{
	{Game: aeroKey, Name: `No Damage\Player 1`},
	{Game: aeroKey, Name: "Unlock All Tracks and Vehicles"},
	{Game: aeroKey, Name: "Laps Of Race", Option: "3 Laps"},
	{Game: aeroKey, Name: "Freeze All Lap Timers"},
}

const aeroMupencheat = `// a comment
crc 80F41131-384645F6-C:4A
gn AeroGauge (J) (V1.1)
//----
 cn No Damage\Player 1
  50000402 0000
  8113D058 0000
 cn Unlock All Tracks and Vehicles
  8008D1FC 0001
 cn Freeze All Lap Timers
  8013CD21 0001
  8013CD25 0001
  8013CD29 0001
 cn Laps Of Race
  cd how many laps
  8013CD0E ???? 0001:"1 Lap",0002:"2 Laps",0003:"3 Laps",0006:"Never \"Ending\" Laps"
`

const aeroPJ64Legacy = `[Meta]
Author=test

[80F41131-384645F6-C:4A]
Name=AeroGauge (J) (V1.1)
Cheat0="Unlock All Tracks and Vehicles",8008D1FC 0001
Cheat1="Laps Of Race",8013CD0E 00??
Cheat1_O=$01 1 Lap,$02 2 Laps,3 3 Laps
Cheat1_N=how many laps
Cheat2="No Damage\Player 1",50000402 0000,8113D058 0000
Cheat3="Freeze All Lap Timers",A013CD21 0001,8013CD25 FF01,8013CD29 0001
`

const aeroPJ64v2 = `[80F41131-384645F6-C:4A]
Name=AeroGauge (J) (V1.1)
Cheat0="Unlock All Tracks and Vehicles",E85E2854 5959
Cheat1="Laps Of Race",E8672462 59??
Cheat1_O=$5A 1 Lap,$5B 3 Laps
Cheat2="No Damage\Player 1",50000402 0000,E96727B0 595A
Cheat3="Freeze All Lap Timers",E8672477 5959,E867247B 5959,E867247F 5959
`

const aeroPJ64v3 = `[80F41131-384645F6-C:4A]
Name=AeroGauge (J) (V1.1)

$Freeze All Lap Timers
8013CD21 0001
8013CD25 0001:0000
8013CD29 0001

$Laps Of Race
Note=how many laps
8013CD0E 00??
01 1 Lap
03 3 Laps

$No Damage\Player 1
Author=someone
50000402 0000
8113D058 0000

$Unlock All Tracks and Vehicles
8008D1FC 0001
`

// aeroRMGLobby is the room's features.cheats value: a JSON string.
const aeroRMGLobby = `"[{\"name\":\"Unlock All Tracks and Vehicles\",\"has_options\":false,\"codes\":[{\"address\":2148061692,\"value\":1,\"use_option\":false,\"option_index\":0,\"option_size\":0}]},` +
	`{\"name\":\"Laps Of Race\",\"has_options\":true,\"codes\":[{\"address\":2148781326,\"value\":0,\"use_option\":true,\"option_index\":2,\"option_size\":2}],\"option\":{\"name\":\"3 Laps\",\"size\":2,\"value\":3}},` +
	`{\"name\":\"No Damage\\\\Player 1\",\"has_options\":false,\"codes\":[{\"address\":1342178306,\"value\":0},{\"address\":2165559384,\"value\":0}]},` +
	`{\"name\":\"Freeze All Lap Timers\",\"has_options\":false,\"codes\":[{\"address\":2148781345,\"value\":1},{\"address\":2148781349,\"value\":1},{\"address\":2148781353,\"value\":1}]},` +
	`{\"name\":\"placeholder\",\"has_options\":true}]"`

const aeroSimple64 = `{
 "80F41131-384645F6-C:4A": {
  "Unlock All Tracks and Vehicles": {"data": ["8008D1FC 0001"], "note": "", "hasOptions": false},
  "Laps Of Race": {"data": ["8013CD0E ????"], "hasOptions": true, "options": {"1 Lap": "0001", "3 Laps": "0003"}},
  "No Damage\\Player 1": {"data": ["50000402 0000", "8113D058 0000"]},
  "Freeze All Lap Timers": {"data": ["8013CD21 0001", "8013CD25 0001", "8013CD29 0001"]}
 },
 "12345678-9ABCDEF0-C:45": {}
}`

const aeroSimple64Room = `{"Unlock All Tracks and Vehicles":["8008D1FC 0001"],"Laps Of Race":["8013CD0E 0003"],` +
	`"No Damage\\Player 1":["50000402 0000","8113D058 0000"],"custom":["8013CD21 0001","8013CD25 0001","8013CD29 0001"]}`

// aeroLines is the canonical set all of the above resolve to.
var aeroLines = []string{
	"# Unlock All Tracks and Vehicles",
	"8008D1FC 0001",
	"# Laps Of Race",
	"8013CD0E 0003",
	`# No Damage\Player 1`,
	"50000402 0000",
	"8113D058 0000",
	"# Freeze All Lap Timers",
	"8013CD21 0001",
	"8013CD25 0001",
	"8013CD29 0001",
}
