/*
 * WSAIoctl for Go programs under Wine 8 (Debian 12). Go's net package
 * turns off SIO_UDP_CONNRESET and SIO_UDP_NETRESET on every UDP socket
 * and gives up if either fails; Wine 8 does not know SIO_UDP_NETRESET, so
 * no UDP socket opens. This forwards everything to ws2_32 and accepts
 * turning that report off, which is all Go asks. Test builds with the
 * "wine" tag use it (internal/winefix); Windows itself needs nothing.
 *
 *   x86_64-w64-mingw32-gcc -shared -O2 -o wsaioctl.dll wsaioctl.c -lws2_32
 */
#include <winsock2.h>

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
