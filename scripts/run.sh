#!/usr/bin/env bash
# Boot pxHV with COM1 on this terminal (make run, run-bochs, run-qemu, run-kvm, run-efi).
# usage: scripts/run.sh [auto|bochs|qemu|kvm|efi]
# efi: the UEFI path, build/esp.img (make esp) under OVMF on QEMU q35: KVM with -cpu host when
# usable, else TCG with AMD-V; GUEST and IMG do not apply (the ESP carries the Linux guest).
# Environment: IMG (default build/pxhv.img), GUEST (image to attach: a floppy-sized image becomes
# floppy A:, anything else the second hard disk), MEM (MB, default 256), CPUS (processors,
# default 2), CPU (Bochs model), BIOS (Bochs: latest|legacy).
set -euo pipefail

usage() { sed -n '/^#!/d; /^#/!q; /^# shellcheck/d; s/^# \{0,1\}//p' "$0"; }
# The argument before consts.sh, which builds the generated constants.
engine=${1:-auto}
case $engine in
    -h|--help) usage; exit 0 ;;
    auto|bochs|qemu|kvm|efi) ;;
    *) echo "run: unknown engine '$engine' (auto, bochs, qemu, kvm, efi; --help)" >&2; exit 2 ;;
esac

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/consts.sh"
IMG=${IMG:-$ROOT/build/pxhv.img}
GUEST=${GUEST:-}
MEM=${MEM:-256}
CPUS=${CPUS:-2}

die() { echo "run: $*" >&2; exit 1; }

# ---- the UEFI path: pxhv.efi from an ESP under OVMF ----
if [ "$engine" = efi ]; then
    ESP=${ESP:-$ROOT/build/esp.img}
    OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
    OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
    [ -s "$ESP" ] || die "$ESP is missing: run make esp first"
    [ -s "$OVMF_CODE" ] && [ -s "$OVMF_VARS" ] || die "OVMF missing ($OVMF_CODE): apt-get install ovmf"
    [ -z "$GUEST" ] || die "GUEST= does not apply to run-efi: the ESP ($ESP) carries the guest"
    [[ $CPUS =~ ^[1-9][0-9]*$ ]] || die "CPUS=$CPUS: not a number of processors"
    # The firmware writes its variables and the guest may write the ESP: both are copies, so
    # every run starts from the packaged defaults and build/esp.img stays as make built it.
    dir=$(mktemp -d "${TMPDIR:-/tmp}/pxhv-run-efi.XXXXXX")
    cp "$ESP" "$dir/esp.img"
    cp "$OVMF_VARS" "$dir/vars.fd"
    if [ -e /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
        accel=(-enable-kvm -cpu host)
        echo "run: UEFI path on KVM (-cpu host): /dev/kvm is usable"
    else
        # One host thread per vCPU; OVMF and the guest each run on every CPU.
        accel=(-accel tcg,thread=multi -cpu qemu64,+svm,+npt)
        echo "run: UEFI path on QEMU TCG with AMD-V emulated (qemu64,+svm,+npt)"
    fi
    display=(-display none)
    [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || display=()
    echo "run: OVMF starts \\EFI\\BOOT\\BOOTX64.EFI (pxhv.efi) from $ESP; COM1 is this terminal;"
    echo "run: Ctrl-A X quits"
    # shellcheck disable=SC2064  # expand now: the directory is fixed
    trap "rm -rf '$dir'" EXIT
    trap 'exit 130' INT TERM HUP
    qemu-system-x86_64 "${display[@]}" -M q35 "${accel[@]}" -smp "$CPUS" -m "${EFI_MEM:-512}" \
        -no-reboot -nic none -serial mon:stdio \
        -drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" \
        -drive "if=pflash,format=raw,file=$dir/vars.fd" \
        -drive "format=raw,if=ide,index=0,file=$dir/esp.img"
    exit
fi

[ -s "$IMG" ] || die "$IMG is missing or empty: run make first"

# ---- GUEST: validate before any emulator starts ----
guest_kind=
if [ -n "$GUEST" ]; then
    [ -e "$GUEST" ] || die "GUEST=$GUEST: no such file"
    [ -f "$GUEST" ] || die "GUEST=$GUEST: not a regular file"
    size=$(stat -c %s "$GUEST")
    [ "$size" -gt 0 ] || die "GUEST=$GUEST: empty file"
    [ "$size" -ge 512 ] || die "GUEST=$GUEST: $size bytes, smaller than one 512-byte sector"
    [ "$(od -An -tx1 -j510 -N2 "$GUEST" | tr -d ' \n')" = 55aa ] ||
        die "GUEST=$GUEST: no boot signature 0xAA55 at offset 510: not a bootable image"
    case $size in
        368640|737280|1228800|1474560|2949120) guest_kind=floppy ;;
        *) guest_kind=disk
           [ "$size" -le $((8 * 1024 * 1024 * 1024)) ] ||
               die "GUEST=$GUEST: $size bytes; disks larger than 8 GiB are refused" ;;
    esac
    echo "run: guest $GUEST ($size bytes) attached as $([ $guest_kind = floppy ] && echo 'floppy A:' || echo 'second hard disk')"
    # pxHV chains the guest's drive: a copy of the image with its configuration block set
    # (scripts/pxhv-config.sh), so build/pxhv.img itself keeps its default.
    run_img=$(dirname "$IMG")/run.img
    cp "$IMG" "$run_img"
    name=$(basename "$GUEST")
    "$ROOT/scripts/pxhv-config.sh" "$run_img" --drive "$([ $guest_kind = floppy ] && echo 0x00 || echo 0x81)" \
        --name "${name:0:15}" >/dev/null
    IMG=$run_img
fi
[[ $CPUS =~ ^[1-9][0-9]*$ ]] || die "CPUS=$CPUS: not a number of processors"

# ---- engine: the fastest that gives pxHV hardware virtualization ----
# KVM with the host's VT-x or AMD-V (nested), else QEMU TCG's emulated SVM, else Bochs.
QEMU_SVM_CPU=qemu64,+svm,+npt
if [ "$engine" = auto ]; then
    if [ -e /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
        engine=kvm why="/dev/kvm is usable and the host CPU has $(grep -owE 'vmx|svm' /proc/cpuinfo | head -n 1)"
    elif [ -n "${CPU:-}" ]; then
        engine=bochs why="CPU=$CPU is a Bochs model"
    else
        engine=qemu why="no usable KVM; QEMU TCG emulates AMD-V ($QEMU_SVM_CPU)"
    fi
    echo "run: engine $engine: $why"
fi

# A window for the guest's screen where there is a display; the text console otherwise.
has_display() { [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; }

run_qemu() { # extra QEMU args...
    local display=(-display none)
    has_display && display=()
    local args=("${display[@]}" -no-reboot -nic none -m "$MEM" -smp "$CPUS" -serial mon:stdio
                -drive "format=raw,if=ide,index=0,file=$IMG" "$@")
    case $guest_kind in
        floppy) args+=(-drive "format=raw,if=floppy,index=0,file=$GUEST") ;;
        disk)   args+=(-drive "format=raw,if=ide,index=1,file=$GUEST") ;;
    esac
    echo "run: COM1 is this terminal; Ctrl-A X quits, Ctrl-A C toggles the QEMU monitor"
    exec qemu-system-x86_64 "${args[@]}"
}

run_bochs() {
    local dir port disk2="" floppy="" fd flags
    dir=$(mktemp -d "${TMPDIR:-/tmp}/pxhv-run.XXXXXX")
    if [ "$CPUS" -gt 1 ]; then
        # Bochs keeps a guest's INIT pending after its VM exit: the guest's INIT and
        # SIPI go through intercepted ICR writes instead (include/core/ipi.h).
        [ "$IMG" != "$ROOT/build/pxhv.img" ] || { cp "$IMG" "$dir/pxhv.img"; IMG=$dir/pxhv.img; }
        flags=$("$ROOT/scripts/pxhv-config.sh" "$IMG" | sed -n 's/^flags *\(0x[0-9a-f]*\).*/\1/p')
        "$ROOT/scripts/pxhv-config.sh" "$IMG" --flags $(( flags | CFG_FLAG_INTERCEPT_IPI )) >/dev/null
    fi
    # Bochs sees whole cylinders of 16 x 63 sectors only: pad an unaligned disk in a copy.
    if [ "$guest_kind" = disk ]; then
        disk2=$GUEST
        if [ $(( $(stat -c %s "$GUEST") % 516096 )) != 0 ]; then
            disk2=$dir/guest.img
            cp "$GUEST" "$disk2"
            truncate -s $(( ($(stat -c %s "$GUEST") + 516095) / 516096 * 516096 )) "$disk2"
            echo "run: $GUEST is not a multiple of 516096 bytes; using a padded copy (writes are not kept)"
        fi
    fi
    [ "$guest_kind" != floppy ] || floppy=$GUEST
    port=$(( 20000 + RANDOM % 40000 ))
    while ss -Hltn | awk '{print $4}' | grep -q ":$port\$"; do port=$(( 20000 + RANDOM % 40000 )); done
    local display=term
    if has_display; then
        for d in x sdl2; do
            ls /usr/lib/*/bochs/plugins/libbx_"$d"* /usr/lib/bochs/plugins/libbx_"$d"* >/dev/null 2>&1 &&
                { display=$d; break; }
        done
    fi
    "$ROOT/scripts/bochsrc.sh" --disk "$IMG" ${disk2:+--disk2 "$disk2"} ${floppy:+--floppy "$floppy"} \
        --mem "$MEM" --cpus "$CPUS" ${CPU:+--cpu "$CPU"} ${BIOS:+--bios "$BIOS"} \
        --com1 "socket:$port" --log "$dir/bochs.log" --display "$display" >"$dir/bochsrc"
    printf 'continue\nquit\n' >"$dir/cmds"
    setsid timeout -s HUP -k 5 "${RUN_TIMEOUT:-86400}" bochs -q -unlock -f "$dir/bochsrc" \
        -rc "$dir/cmds" </dev/null >"$dir/bochs.stdout" 2>"$dir/bochs.stderr" &
    local pid=$!
    "$ROOT/scripts/bochs-screen-drain.sh" "$dir/bochs.stderr" &
    # shellcheck disable=SC2064  # expand now: the values are fixed
    trap "[ ! -t 0 ] || stty sane; kill -HUP -- -$pid 2>/dev/null || true; sleep 1
          kill -KILL -- -$pid 2>/dev/null || true" EXIT
    trap 'exit 130' INT TERM HUP
    until grep -q "waiting for client.*port:$port" "$dir/bochs.stderr"; do
        kill -0 "$pid" 2>/dev/null || { tail -n 5 "$dir/bochs.stderr" >&2; die "Bochs did not start (logs in $dir)"; }
        sleep 0.1
    done
    exec {fd}<>"/dev/tcp/127.0.0.1/$port"
    echo "run: Bochs $(sed -n 's/^cpu: model=\([^,]*\).*/\1/p' "$dir/bochsrc"), $CPUS CPU(s), $MEM MB; logs in $dir"
    cat <&"$fd" &
    local reader=$!
    if [ -t 0 ]; then
        echo "run: COM1 is this terminal; Ctrl-] quits"
        # Raw keys, read one byte at a time with a 0.2 s poll (min 0 time 2) so that a guest
        # power-off is noticed; bash's own read would switch the terminal back to cooked.
        stty raw -echo min 0 time 2
        local c
        while kill -0 "$reader" 2>/dev/null; do
            c=$(dd bs=1 count=1 status=none | od -An -tx1 | tr -d ' \n')
            [ -n "$c" ] || continue
            [ "$c" != 1d ] || break
            printf "\\x$c" >&"$fd"
        done
        stty sane
    else
        wait "$reader" || true
    fi
    echo
    # COM1's socket closes when Bochs exits: the guest stopped the machine.  Otherwise Ctrl-].
    if kill -0 "$reader" 2>/dev/null; then echo "run: stopping Bochs"; else echo "run: the machine stopped"; fi
    # Bochs's own reason (a guest in a graphics mode stops the term display, a panic...).
    local why
    why=$(sed -n '/Bochs is exiting with the following message:/{n;p;q}' "$dir/bochs.stderr")
    [ -z "$why" ] || echo "run: Bochs: $why (logs in $dir)"
}

case $engine in
    kvm)   run_qemu -enable-kvm -cpu host ;;
    qemu)  echo "run: QEMU TCG with SVM and nested paging ($QEMU_SVM_CPU)"
           run_qemu -accel tcg -cpu "${QEMU_CPU:-$QEMU_SVM_CPU}" ;;
    bochs) run_bochs ;;
    *) die "unknown engine $engine (auto, bochs, qemu, kvm)" ;;
esac
