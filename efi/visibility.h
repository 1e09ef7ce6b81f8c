/*
 * Included first in every C file of pxhv.efi (efi/build.mk): every symbol,
 * declared or defined, is hidden.  -fvisibility=hidden covers definitions
 * only, and for the address of a function declared elsewhere GCC's
 * position-independent code then goes through a GOT entry
 * (R_X86_64_REX_GOTPCRELX), which ld's PE linker resolves to the function
 * itself: the "address" loaded would be the function's first bytes.  Hidden
 * declarations make it a plain RIP-relative LEA.
 */
#pragma GCC visibility push(hidden)
