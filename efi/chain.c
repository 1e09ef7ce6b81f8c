/*
 * Starting the next loader (UEFI 2.11, 7.4.1 "EFI_BOOT_SERVICES.LoadImage()",
 * 7.4.2 "EFI_BOOT_SERVICES.StartImage()"): by device path, so the firmware
 * reads the file, checks it (Secure Boot where enabled) and records where
 * it came from in its Loaded Image protocol: GRUB finds its prefix and a
 * Linux EFI stub its initrd= files through that DeviceHandle.
 *
 * The load options (9.1 "EFI Loaded Image Protocol": LoadOptions) are set
 * between LoadImage and StartImage, as a boot manager sets a Boot####'s
 * optional data: a UCS-2 string with its NUL, which a Linux EFI stub takes
 * as its command line.
 */
#include "efi/efi_app.h"
#include "lib/lib.h"

static const struct efi_guid li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;

static const char *load_error_hint(efi_status s)
{
    switch (s) {
    case EFI_LOAD_ERROR:         return "not a valid UEFI image";
    case EFI_UNSUPPORTED:        return "not an image type this firmware runs (PE32+ for x64)";
    case EFI_SECURITY_VIOLATION: return "refused by the firmware's Secure Boot policy";
    case EFI_ACCESS_DENIED:      return "refused by the firmware's platform policy";
    case EFI_OUT_OF_RESOURCES:   return "not enough memory to load it";
    default:                     return "cannot be loaded";
    }
}

static efi_handle next_image;
static char16 *next_opts;

efi_status efi_load_next(const char *path, const char *options)
{
    u64 size = 0, attr = 0;
    efi_status s = efi_file_size(path, &size, &attr);
    if (EFI_ERROR(s)) {
        eprintf("pxHV: next loader %s: %s (%s)\n", path,
                s == EFI_NOT_FOUND ? "no such file" : "cannot be opened", efi_status_name(s));
        return s;
    }
    if (attr & EFI_FILE_DIRECTORY) {
        eprintf("pxHV: next loader %s: a directory, not a file\n", path);
        return EFI_ACCESS_DENIED;
    }
    eprintf("pxHV: next loader %s (%llu bytes)\n", path, size);

    struct efi_device_path *dp;
    s = efi_file_device_path(path, &dp);
    if (EFI_ERROR(s)) {
        eprintf("pxHV: no device path for %s (%s)\n", path, efi_status_name(s));
        return s;
    }
    efi_handle h = NULL;
    s = app.bs->load_image(false, app.image, dp, NULL, 0, &h);
    app.bs->free_pool(dp);
    if (EFI_ERROR(s)) {
        eprintf("pxHV: next loader %s: %s (LoadImage: %s)\n", path, load_error_hint(s), efi_status_name(s));
        if (h)                        /* a Secure Boot refusal still returns a handle */
            app.bs->unload_image(h);
        return s;
    }

    char16 *opts = NULL;
    next_image = h;
    if (options && options[0]) {
        struct efi_loaded_image_protocol *li;
        usize n = strlen(options);
        s = app.bs->handle_protocol(h, &li_guid, (void **)&li);
        if (!EFI_ERROR(s))
            s = app.bs->allocate_pool(EFI_LOADER_DATA, 2 * (n + 1), (void **)&opts);
        if (EFI_ERROR(s)) {
            eprintf("pxHV: cannot pass the load options (%s)\n", efi_status_name(s));
            app.bs->unload_image(h);
            next_image = NULL;
            return s;
        }
        for (usize i = 0; i <= n; i++)
            opts[i] = (u8)options[i];
        li->load_options = opts;
        li->load_options_size = (u32)(2 * (n + 1));
        eprintf("pxHV: load options: %s\n", options);
    }
    next_opts = opts;
    return EFI_SUCCESS;
}

/* A loaded next loader that will not be started (pxHV could not start). */
void efi_unload_next(void)
{
    if (next_image)
        app.bs->unload_image(next_image);
    if (next_opts)
        app.bs->free_pool(next_opts);
    next_image = NULL;
    next_opts = NULL;
}

efi_status efi_start_next(const char *path)
{
    efi_handle h = next_image;
    char16 *opts = next_opts;
    next_image = NULL;
    next_opts = NULL;
    eprintf("pxHV: starting %s\n", path);
    u64 exit_size = 0;
    char16 *exit_data = NULL;
    efi_status s = app.bs->start_image(h, &exit_size, &exit_data);
    /* Only a loader that gives up comes back (GRUB at its rescue prompt's
     * "exit", a kernel that cannot boot). */
    char msg[128] = "";
    if (exit_data) {
        efi_ucs2_to_ascii(exit_data, msg, sizeof msg);
        app.bs->free_pool(exit_data);
    }
    eprintf("pxHV: %s returned %s%s%s\n", path, efi_status_name(s), msg[0] ? ": " : "", msg);
    if (opts)
        app.bs->free_pool(opts);
    return s;
}
