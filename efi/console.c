/*
 * pxhv.efi's console: every line goes to COM1 through pxHV's own 16550
 * driver (stage3/core/serial.c, the driver stage 3 will use once the
 * firmware is gone) and to each firmware text console (UEFI 2.11, 12.4
 * "Simple Text Output Protocol") except a terminal on COM1 itself.
 *
 * Why not simply ConOut: the System Table's ConOut is the firmware's console
 * splitter, and on a machine (or OVMF) whose console includes a serial
 * terminal on COM1 every line would reach COM1 twice, once from the
 * firmware's terminal and once from pxHV.  So the lines go to the console
 * devices one by one, found by their protocol, skipping any whose device
 * path names the 16550 with ACPI _HID PNP0501 and _UID 0 (COM1).  Where no
 * console device can be told apart, ConOut is used as it is.
 *
 * serial_write() sets pxHV's format (115200 8N1) around each write and puts
 * the firmware's back, so a firmware terminal on COM1 at another rate keeps
 * working.
 */
#include "efi/efi_app.h"
#include "efi/efi_console.h"
#include "efi/efi_device_path.h"
#include "core/console.h"
#include "lib/lib.h"
#include <stdarg.h>

#define MAX_CONSOLES 8
static struct efi_simple_text_output_protocol *consoles[MAX_CONSOLES];
static u32 n_consoles;

static const struct efi_guid text_out_guid = EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID;
static const struct efi_guid device_path_guid = EFI_DEVICE_PATH_PROTOCOL_GUID;

/* A device path through the COM1 16550: an ACPI node PNP0501 with _UID 0.
 * Malformed nodes (shorter than a header) end the walk. */
static bool dp_is_com1(const struct efi_device_path *n)
{
    for (u32 i = 0; i < 64 && !efi_dp_is_end(n); i++, n = efi_dp_next(n)) {
        u16 len = efi_dp_length(n);
        if (len < sizeof *n)
            return false;
        if (n->type == EFI_DP_ACPI && n->subtype == EFI_DP_ACPI_DP && len >= sizeof(struct efi_dp_acpi)) {
            struct efi_dp_acpi a;
            memcpy(&a, n, sizeof a);
            if (a.hid == EFI_PNP_0501 && a.uid == 0)
                return true;
        }
    }
    return false;
}

void efi_console_init(void)
{
    struct efi_boot_services *bs = app.bs;
    efi_handle *handles = NULL;
    u64 count = 0;
    bool com1_terminal = false;

    n_consoles = 0;
    if (!EFI_ERROR(bs->locate_handle_buffer(EFI_BY_PROTOCOL, &text_out_guid, NULL, &count, &handles))) {
        for (u64 i = 0; i < count && n_consoles < MAX_CONSOLES; i++) {
            struct efi_device_path *dp;
            void *out;
            /* The splitter's own handles have no device path: not a device. */
            if (EFI_ERROR(bs->handle_protocol(handles[i], &device_path_guid, (void **)&dp)))
                continue;
            if (dp_is_com1(dp)) {
                com1_terminal = true;
                continue;
            }
            if (!EFI_ERROR(bs->handle_protocol(handles[i], &text_out_guid, &out)))
                consoles[n_consoles++] = out;
        }
        bs->free_pool(handles);
    }
    if (!n_consoles && !com1_terminal && app.st->con_out)
        consoles[n_consoles++] = app.st->con_out;
}

/* To one text console: UCS-2 in chunks, LF as CR LF. */
static void con_out(struct efi_simple_text_output_protocol *c, const char *s, usize n)
{
    char16 buf[130];
    usize k = 0;
    for (usize i = 0; i < n; i++) {
        if (s[i] == '\n')
            buf[k++] = '\r';
        buf[k++] = (u8)s[i];
        if (k >= 127 || i + 1 == n) {
            buf[k] = 0;
            c->output_string(c, buf);
            k = 0;
        }
    }
}

int eprintf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    usize len = n < 0 ? 0 : (usize)n < sizeof buf ? (usize)n : sizeof buf - 1;
    serial_write(buf, len);
    for (u32 i = 0; i < n_consoles; i++)
        con_out(consoles[i], buf, len);
    return n;
}

void efi_ucs2_to_ascii(const char16 *s, char *out, usize size)
{
    usize i = 0;
    if (!size)
        return;
    for (; s && s[i] && i + 1 < size; i++)
        out[i] = s[i] >= 0x20 && s[i] < 0x7F ? (char)s[i] : '?';
    out[i] = 0;
}

/* Appendix D "Status Codes", by number. */
static const char status_names[] =
    "EFI_SUCCESS\0EFI_LOAD_ERROR\0EFI_INVALID_PARAMETER\0EFI_UNSUPPORTED\0EFI_BAD_BUFFER_SIZE\0"
    "EFI_BUFFER_TOO_SMALL\0EFI_NOT_READY\0EFI_DEVICE_ERROR\0EFI_WRITE_PROTECTED\0"
    "EFI_OUT_OF_RESOURCES\0EFI_VOLUME_CORRUPTED\0EFI_VOLUME_FULL\0EFI_NO_MEDIA\0"
    "EFI_MEDIA_CHANGED\0EFI_NOT_FOUND\0EFI_ACCESS_DENIED\0EFI_NO_RESPONSE\0EFI_NO_MAPPING\0"
    "EFI_TIMEOUT\0EFI_NOT_STARTED\0EFI_ALREADY_STARTED\0EFI_ABORTED\0EFI_ICMP_ERROR\0"
    "EFI_TFTP_ERROR\0EFI_PROTOCOL_ERROR\0EFI_INCOMPATIBLE_VERSION\0EFI_SECURITY_VIOLATION\0"
    "EFI_CRC_ERROR\0EFI_END_OF_MEDIA\0status 29\0status 30\0EFI_END_OF_FILE\0"
    "EFI_INVALID_LANGUAGE\0EFI_COMPROMISED_DATA\0EFI_IP_ADDRESS_CONFLICT\0EFI_HTTP_ERROR\0";

const char *efi_status_name(efi_status s)
{
    u64 code = s & ~EFI_ERROR_BIT;
    if (s && !EFI_ERROR(s))
        return "a warning";
    return str_nth(status_names, sizeof status_names, code > 0xFFFF ? 0xFFFF : (u32)code,
                   "an unknown error");
}

/* EFI_MEMORY_TYPE names as the specification spells them (7.2.1). */
static const char memory_type_names[] =
    "EfiReservedMemoryType\0EfiLoaderCode\0EfiLoaderData\0EfiBootServicesCode\0"
    "EfiBootServicesData\0EfiRuntimeServicesCode\0EfiRuntimeServicesData\0"
    "EfiConventionalMemory\0EfiUnusableMemory\0EfiACPIReclaimMemory\0EfiACPIMemoryNVS\0"
    "EfiMemoryMappedIO\0EfiMemoryMappedIOPortSpace\0EfiPalCode\0EfiPersistentMemory\0"
    "EfiUnacceptedMemoryType\0";

const char *efi_memory_type_name(u32 type)
{
    return str_nth(memory_type_names, sizeof memory_type_names, type, "an OEM or OS memory type");
}
