/*
 * Two calls of Go programs under Wine 8 (Debian 12), wrapped for CI's
 * Windows test builds (winefix.go.tmpl points Go's syscall package at
 * them). Windows itself needs neither; netpak never contains them.
 *
 * NetpakWSAIoctl: Go's net package turns off SIO_UDP_CONNRESET and
 * SIO_UDP_NETRESET on every UDP socket and gives up if either fails; Wine
 * 8 does not know SIO_UDP_NETRESET, so no UDP socket opens. This forwards
 * everything to ws2_32 and accepts turning that report off, which is all
 * Go asks.
 *
 * NetpakCreateProcessW: now and then a process Wine starts dies inside
 * Wine's loader, before any of its own code runs, and CreateProcessW then
 * fails with ERROR_INTERNAL_ERROR (Wine's NtCreateUserProcess turns "ended
 * before its start-up was done, with no exit code" into
 * STATUS_INTERNAL_ERROR). It failed a CI run once in about a dozen.
 * Nothing of that process ran, so the same call is made again, up to
 * three times in all; each retry is told on stderr, and .ci/wine/run
 * counts them.
 *
 *   x86_64-w64-mingw32-gcc -shared -O2 -o winefix.dll winefix.c -lws2_32
 */
#include <winsock2.h>
#include <windows.h>
#include <stdio.h>

#define SIO_UDP_NETRESET_ _WSAIOW(IOC_VENDOR, 15)

__declspec(dllexport) int WINAPI NetpakWSAIoctl(SOCKET s, DWORD code, LPVOID in, DWORD inLen, LPVOID out, DWORD outLen,
	LPDWORD returned, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE done) {
	int rc = WSAIoctl(s, code, in, inLen, out, outLen, returned, ov, done);
	if (rc != 0 && code == SIO_UDP_NETRESET_ && WSAGetLastError() == WSAEOPNOTSUPP) {
		if (returned != NULL)
			*returned = 0;
		WSASetLastError(0);
		return 0;
	}
	return rc;
}

__declspec(dllexport) BOOL WINAPI NetpakCreateProcessW(LPCWSTR app, LPWSTR cmdline, LPSECURITY_ATTRIBUTES procAttr,
	LPSECURITY_ATTRIBUTES threadAttr, BOOL inherit, DWORD flags, LPVOID env, LPCWSTR dir, LPSTARTUPINFOW si,
	LPPROCESS_INFORMATION pi) {
	for (int try = 1;; try++) {
		if (CreateProcessW(app, cmdline, procAttr, threadAttr, inherit, flags, env, dir, si, pi))
			return TRUE;
		DWORD err = GetLastError();
		if (err != ERROR_INTERNAL_ERROR || try == 3)
			return FALSE;
		fprintf(stderr, "winefix: CreateProcessW: the new process died in Wine's loader (try %d of 3), starting it again\n", try);
		fflush(stderr);
	}
}
