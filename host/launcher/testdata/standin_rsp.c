/*
 * A stand-in for a mupen64plus plugin, for netpak's launcher tests: it
 * checks that the core handle it is given resolves the core's functions
 * and says so through the debug callback. Builds next to standin_core.c:
 *
 *   x86_64-w64-mingw32-gcc -shared -O2 -o mupen64plus-rsp-hle.dll standin_rsp.c
 *   cc -shared -fPIC -O2 -o standin-rsp.so standin_rsp.c
 */
#include <stddef.h>

#ifdef _WIN32
#include <windows.h>
#define EXPORT __declspec(dllexport)
static void *core_symbol(void *core, const char *name) { return (void *)GetProcAddress((HMODULE)core, name); }
#else
#include <dlfcn.h>
#define EXPORT __attribute__((visibility("default")))
static void *core_symbol(void *core, const char *name) { return dlsym(core, name); }
#endif

typedef void (*debug_cb)(void *ctx, int level, const char *msg);

EXPORT int PluginStartup(void *core, void *ctx, debug_cb debug) {
	int ok = core != NULL && core_symbol(core, "CoreDoCommand") != NULL;
	if (debug != NULL)
		debug(ctx, 3, ok ? "standin rsp: core handle resolves CoreDoCommand" : "standin rsp: bad core handle");
	return ok ? 0 : 3;
}

EXPORT int PluginShutdown(void) { return 0; }
