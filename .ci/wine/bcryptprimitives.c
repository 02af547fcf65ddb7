/*
 * bcryptprimitives.dll for Wine 8 (Debian 12), which lacks it: Go 1.24
 * and later call its ProcessPrng at start-up and abort without it. This
 * shim fills the buffer from RtlGenRandom (advapi32 SystemFunction036),
 * which Wine has. Windows 10 and later ship the real DLL; this is for CI.
 *
 *   x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll bcryptprimitives.c -ladvapi32
 */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!RtlGenRandom(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
