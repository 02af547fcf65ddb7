/*
 * A stand-in for the mupen64plus core library, for netpak's launcher
 * tests. It exports the frontend API calls the launcher makes, runs no
 * emulator, and writes one line per call to standin.log in the config
 * directory given to CoreStartup, so a test can check that the library
 * was found, loaded, configured and started with the right netplay
 * parameters. Builds as mupen64plus.dll with mingw-w64 and as a shared
 * object with cc:
 *
 *   x86_64-w64-mingw32-gcc -shared -O2 -o mupen64plus.dll standin_core.c
 *   cc -shared -fPIC -O2 -o libstandin.so standin_core.c
 *
 * Values are from mupen64plus-core's m64p_types.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#define EXPORT __declspec(dllexport)
static void pause_ms(int ms) { Sleep(ms); }
#else
#include <time.h>
#define EXPORT __attribute__((visibility("default")))
static void pause_ms(int ms) {
	struct timespec ts = {0, ms * 1000000L};
	nanosleep(&ts, NULL);
}
#endif

typedef void (*debug_cb)(void *ctx, int level, const char *msg);
typedef void (*state_cb)(void *ctx, int param, int value);
typedef void (*frame_cb)(unsigned int index);

typedef struct {
	unsigned int address;
	int value;
} cheat_code;

enum {
	CMD_ROM_OPEN = 1, CMD_ROM_CLOSE = 2, CMD_EXECUTE = 5, CMD_STOP = 6,
	CMD_SET_FRAME_CALLBACK = 15, CMD_CORE_STATE_SET = 17, CMD_NETPLAY_INIT = 22,
	CMD_NETPLAY_CONTROL_PLAYER = 23, CMD_NETPLAY_GET_VERSION = 24, CMD_NETPLAY_CLOSE = 25,
};
enum { ERR_SUCCESS = 0, ERR_NOT_INIT = 1, ERR_INCOMPATIBLE = 3, ERR_INPUT_INVALID = 5, ERR_INPUT_NOT_FOUND = 6, ERR_INTERNAL = 8 };
enum { CORE_EMU_STATE = 1, EMU_STOPPED = 1, EMU_RUNNING = 2 };
enum { TYPE_INT = 1, TYPE_FLOAT = 2, TYPE_BOOL = 3, TYPE_STRING = 4 };

#define RDRAM_WORDS (8 << 20) / 4
#define MAX_SECTIONS 16

static FILE *logf_;
static void *state_ctx;
static state_cb on_state;
static frame_cb on_frame;
static volatile int stop_wanted;
static int players;
static int netplay_port;
static unsigned int rdram[RDRAM_WORDS];
static unsigned int mi_regs[16];
static unsigned char pi_block[128];
static char sections[MAX_SECTIONS][64];

static void logline(const char *fmt, ...) {
	va_list ap;
	if (logf_ == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(logf_, fmt, ap);
	va_end(ap);
	fputc('\n', logf_);
	fflush(logf_);
}

EXPORT int CoreStartup(int api, const char *config, const char *data, void *ctx, debug_cb debug, void *ctx2, state_cb state) {
	char path[4096];
	snprintf(path, sizeof path, "%s/standin.log", config);
	logf_ = fopen(path, "w");
	if (logf_ == NULL)
		return ERR_INTERNAL;
	logline("startup api=%#x config=%s data=%s", api, config, data);
	state_ctx = ctx2;
	on_state = state;
	if (debug != NULL)
		debug(ctx, 3, "standin core: debug callback works");
	printf("standin core: this line must reach the log, not the protocol\n");
	fflush(stdout);
	return ERR_SUCCESS;
}

EXPORT int CoreShutdown(void) {
	logline("shutdown");
	if (logf_ != NULL)
		fclose(logf_);
	logf_ = NULL;
	return ERR_SUCCESS;
}

EXPORT int CoreAttachPlugin(int kind, void *handle) {
	if (handle == NULL) {
		logline("attach %d dummy", kind);
		return ERR_SUCCESS;
	}
#ifdef _WIN32
	int ok = GetProcAddress((HMODULE)handle, "PluginStartup") != NULL;
#else
	int ok = 1;
#endif
	logline("attach %d plugin ok=%d", kind, ok);
	return ok ? ERR_SUCCESS : ERR_INCOMPATIBLE;
}

EXPORT int CoreDetachPlugin(int kind) {
	logline("detach %d", kind);
	return ERR_SUCCESS;
}

EXPORT const char *CoreErrorMessage(int code) {
	return code == ERR_SUCCESS ? "no error" : "stand-in error";
}

EXPORT int ConfigOpenSection(const char *name, void **handle) {
	for (int i = 0; i < MAX_SECTIONS; i++) {
		if (sections[i][0] == 0 || strcmp(sections[i], name) == 0) {
			snprintf(sections[i], sizeof sections[i], "%s", name);
			*handle = sections[i];
			return ERR_SUCCESS;
		}
	}
	return ERR_INTERNAL;
}

EXPORT int ConfigSetParameter(void *section, const char *name, int type, const void *value) {
	const char *s = section;
	switch (type) {
	case TYPE_INT:
		logline("set %s/%s int %d", s, name, *(const int *)value);
		break;
	case TYPE_BOOL:
		logline("set %s/%s bool %d", s, name, *(const int *)value);
		break;
	case TYPE_FLOAT:
		logline("set %s/%s float %g", s, name, *(const float *)value);
		break;
	case TYPE_STRING:
		logline("set %s/%s string %s", s, name, (const char *)value);
		break;
	default:
		return ERR_INPUT_INVALID;
	}
	return ERR_SUCCESS;
}

/* The stand-in keeps no configuration: every parameter read back is
   unknown. */
EXPORT int ConfigGetParameterType(void *section, const char *name, int *type) {
	(void)section; (void)name; (void)type;
	return ERR_INPUT_NOT_FOUND;
}

EXPORT int ConfigGetParameter(void *section, const char *name, int type, void *value, int size) {
	(void)section; (void)name; (void)type; (void)value; (void)size;
	return ERR_INPUT_NOT_FOUND;
}

EXPORT int CoreAddCheat(const char *name, cheat_code *codes, int n) {
	logline("cheat %s n=%d first=%08X %04X", name, n, codes[0].address, codes[0].value);
	return ERR_SUCCESS;
}

EXPORT void *DebugMemGetPointer(int kind) {
	switch (kind) {
	case 1:
		return rdram;
	case 2: /* PI registers; pi_controller.mi sits 80 bytes in */
		*(unsigned int **)(pi_block + 80) = mi_regs;
		return pi_block;
	}
	return NULL;
}

static int execute(void) {
	logline("execute");
	if (on_state != NULL)
		on_state(state_ctx, CORE_EMU_STATE, EMU_RUNNING);
	if (on_frame != NULL) {
		on_frame(0);
		logline("frame callback mi_intr_dp=%d", (mi_regs[2] & 0x20) != 0);
	}
	rdram[0x100000 / 4] = 0x4E45544B; /* "NETK" */
	rdram[0x100004 / 4] = players;
	rdram[0x100008 / 4] = netplay_port;
	rdram[0x10000C / 4] = 1; /* done */
	for (int i = 0; !stop_wanted; i++) {
		if (i == 30000) {
			logline("execute: no stop after 30 s");
			return ERR_INTERNAL;
		}
		pause_ms(1);
	}
	if (on_state != NULL)
		on_state(state_ctx, CORE_EMU_STATE, EMU_STOPPED);
	logline("execute returns");
	return ERR_SUCCESS;
}

EXPORT int CoreDoCommand(int cmd, int param, void *ptr) {
	const unsigned char *rom = ptr;
	switch (cmd) {
	case CMD_ROM_OPEN:
		logline("rom open size=%d magic=%02X%02X%02X%02X", param, rom[0], rom[1], rom[2], rom[3]);
		return ERR_SUCCESS;
	case CMD_ROM_CLOSE:
		logline("rom close");
		return ERR_SUCCESS;
	case CMD_EXECUTE:
		return execute();
	case CMD_STOP:
		logline("stop");
		stop_wanted = 1;
		return ERR_SUCCESS;
	case CMD_SET_FRAME_CALLBACK:
		on_frame = (frame_cb)ptr;
		logline("frame callback set");
		return ERR_SUCCESS;
	case CMD_CORE_STATE_SET:
		logline("core state set %d=%d", param, *(int *)ptr);
		return ERR_SUCCESS;
	case CMD_NETPLAY_GET_VERSION:
		if (param != 0x010001)
			return ERR_INCOMPATIBLE;
		*(unsigned int *)ptr = 1;
		logline("netplay version");
		return ERR_SUCCESS;
	case CMD_NETPLAY_INIT:
		netplay_port = param;
		logline("netplay init %s:%d", (const char *)ptr, param);
		return ERR_SUCCESS;
	case CMD_NETPLAY_CONTROL_PLAYER:
		players++;
		logline("netplay control player %d regid=%#x", param, *(unsigned int *)ptr);
		return ERR_SUCCESS;
	case CMD_NETPLAY_CLOSE:
		logline("netplay close");
		return ERR_SUCCESS;
	}
	logline("command %d unknown", cmd);
	return ERR_INPUT_INVALID;
}
