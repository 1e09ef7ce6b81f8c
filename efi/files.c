/*
 * The volume pxhv.efi was loaded from (UEFI 2.11, 9.1 "EFI Loaded Image
 * Protocol": DeviceHandle and FilePath; 13.4 "Simple File System Protocol",
 * 13.5 "File Protocol"): its configuration file and the next loader live
 * there, as a removable ESP's \EFI\BOOT holds BOOTX64.EFI and grubx64.efi.
 */
#include "efi/efi_app.h"
#include "efi/efi_device_path.h"
#include "lib/lib.h"

static const struct efi_guid sfs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static const struct efi_guid dp_guid = EFI_DEVICE_PATH_PROTOCOL_GUID;
static const struct efi_guid file_info_guid = EFI_FILE_INFO_ID;

/* pxhv.efi's own path from its FilePath: the path names of its File Path
 * nodes, one after the other (a firmware may split a path over several). */
static void own_path(void)
{
    usize n = 0;
    app.path[0] = 0;
    const struct efi_device_path *d = app.self->file_path;
    for (u32 i = 0; d && i < 64 && !efi_dp_is_end(d); i++, d = efi_dp_next(d)) {
        u16 len = efi_dp_length(d);
        if (len < sizeof *d)
            break;
        if (d->type != EFI_DP_MEDIA || d->subtype != EFI_DP_MEDIA_FILE_PATH)
            continue;
        const u8 *name = (const u8 *)d + sizeof *d;
        for (usize k = 0; k + 1 < (usize)(len - sizeof *d) && n + 1 < sizeof app.path; k += 2) {
            u16 c = (u16)(name[k] | name[k + 1] << 8);
            if (!c)
                break;
            /* Two nodes "\EFI\BOOT" + "\BOOTX64.EFI" or "\EFI\BOOT\" + "BOOTX64.EFI". */
            if (c == '\\' && n && app.path[n - 1] == '\\')
                continue;
            if (c != '\\' && k == 0 && n && app.path[n - 1] != '\\')
                app.path[n++] = '\\';
            app.path[n++] = c >= 0x20 && c < 0x7F ? (char)c : '?';
        }
        app.path[n] = 0;
    }
    /* Its directory: everything before the last backslash ("\" at the root). */
    usize cut = 0;
    for (usize k = 0; k < n; k++)
        if (app.path[k] == '\\')
            cut = k;
    memcpy(app.dir, app.path, cut);
    app.dir[cut] = 0;
    if (!cut) {
        app.dir[0] = '\\';
        app.dir[1] = 0;
    }
}

efi_status efi_files_init(void)
{
    struct efi_simple_file_system_protocol *sfs;
    own_path();
    efi_status s = app.bs->handle_protocol(app.self->device_handle, &sfs_guid, (void **)&sfs);
    if (EFI_ERROR(s))
        return s;
    return sfs->open_volume(sfs, &app.volume);
}

static bool to_ucs2(const char *s, char16 *out, usize size)
{
    usize i = 0;
    for (; s[i]; i++) {
        if (i + 1 >= size)
            return false;
        out[i] = (u8)s[i];
    }
    out[i] = 0;
    return true;
}

static efi_status open_path(const char *path, struct efi_file_protocol **f)
{
    char16 name[EFI_PATH_MAX];
    if (!app.volume)
        return EFI_NOT_READY;
    if (!to_ucs2(path, name, ARRAY_SIZE(name)))
        return EFI_BAD_BUFFER_SIZE;
    return app.volume->open(app.volume, f, name, EFI_FILE_MODE_READ, 0);
}

/* EFI_FILE_INFO of an open file, in pool memory. */
static efi_status file_info(struct efi_file_protocol *f, struct efi_file_info **info)
{
    u64 size = sizeof(struct efi_file_info) + 2 * EFI_PATH_MAX;
    for (int tries = 0; tries < 2; tries++) {
        efi_status s = app.bs->allocate_pool(EFI_LOADER_DATA, size, (void **)info);
        if (EFI_ERROR(s))
            return s;
        s = f->get_info(f, &file_info_guid, &size, *info);
        if (!EFI_ERROR(s))
            return s;
        app.bs->free_pool(*info);
        if (s != EFI_BUFFER_TOO_SMALL)
            return s;
    }
    return EFI_BUFFER_TOO_SMALL;
}

efi_status efi_file_size(const char *path, u64 *size, u64 *attributes)
{
    struct efi_file_protocol *f;
    struct efi_file_info *info;
    efi_status s = open_path(path, &f);
    if (EFI_ERROR(s))
        return s;
    s = file_info(f, &info);
    if (!EFI_ERROR(s)) {
        *size = info->file_size;
        *attributes = info->attribute;
        app.bs->free_pool(info);
    }
    f->close(f);
    return s;
}

efi_status efi_read_file(const char *path, u64 max, void **buf, u64 *size)
{
    struct efi_file_protocol *f;
    struct efi_file_info *info;
    *buf = NULL;
    *size = 0;
    efi_status s = open_path(path, &f);
    if (EFI_ERROR(s))
        return s;
    s = file_info(f, &info);
    if (EFI_ERROR(s))
        goto out;
    *size = info->file_size;
    bool dir = info->attribute & EFI_FILE_DIRECTORY;
    app.bs->free_pool(info);
    if (dir) {
        s = EFI_ACCESS_DENIED;
        goto out;
    }
    if (*size > max) {
        s = EFI_BAD_BUFFER_SIZE;
        goto out;
    }
    s = app.bs->allocate_pool(EFI_LOADER_DATA, *size + 1, buf);
    if (EFI_ERROR(s))
        goto out;
    for (u64 done = 0; done < *size;) {
        u64 n = *size - done;
        s = f->read(f, &n, (u8 *)*buf + done);
        if (!EFI_ERROR(s) && !n)
            s = EFI_END_OF_FILE;      /* shorter than its directory entry says */
        if (EFI_ERROR(s)) {
            app.bs->free_pool(*buf);
            *buf = NULL;
            goto out;
        }
        done += n;
    }
    ((u8 *)*buf)[*size] = 0;
out:
    f->close(f);
    return s;
}

efi_status efi_file_device_path(const char *path, struct efi_device_path **out)
{
    struct efi_device_path *dev;
    efi_status s = app.bs->handle_protocol(app.self->device_handle, &dp_guid, (void **)&dev);
    if (EFI_ERROR(s))
        return s;
    usize dev_len = 0;
    const struct efi_device_path *d = dev;
    for (u32 i = 0; i < 64 && !efi_dp_is_end(d); i++, d = efi_dp_next(d)) {
        if (efi_dp_length(d) < sizeof *d)
            return EFI_INVALID_PARAMETER;
        dev_len += efi_dp_length(d);
    }
    usize name_len = strlen(path);
    usize file_len = sizeof(struct efi_device_path) + 2 * (name_len + 1);
    if (file_len > 0xFFFF)
        return EFI_BAD_BUFFER_SIZE;
    u8 *p;
    s = app.bs->allocate_pool(EFI_LOADER_DATA, dev_len + file_len + sizeof(struct efi_device_path),
                              (void **)&p);
    if (EFI_ERROR(s))
        return s;
    memcpy(p, dev, dev_len);
    u8 *f = p + dev_len;
    f[0] = EFI_DP_MEDIA;
    f[1] = EFI_DP_MEDIA_FILE_PATH;
    f[2] = (u8)file_len;
    f[3] = (u8)(file_len >> 8);
    for (usize i = 0; i <= name_len; i++) {
        f[4 + 2 * i] = (u8)path[i];
        f[5 + 2 * i] = 0;
    }
    u8 *end = f + file_len;
    end[0] = EFI_DP_END;
    end[1] = EFI_DP_END_ENTIRE;
    end[2] = sizeof(struct efi_device_path);
    end[3] = 0;
    *out = (struct efi_device_path *)p;
    return EFI_SUCCESS;
}
