/* bcryptprimitives.dll for wine 8: one function, ProcessPrng.
 *
 * Rust's std (1.78 and later) on Windows imports ProcessPrng from
 * bcryptprimitives.dll for its random keys (HashMap). Debian's wine 8 has
 * no such DLL, so a Rust test binary fails to load under it. This shim,
 * built with mingw and placed beside the executables, answers the call with
 * RtlGenRandom (advapi32's SystemFunction036), which wine has. Used only by
 * .ci/wine/run-tests; never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x7fffffff ? 0x7fffffff : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
