#!/usr/bin/env bash
# Install the Debian packages pxHV needs to build, run and test (make deps).
# usage: scripts/deps.sh [EXTRA_PACKAGE]...
# Installs only what is missing: as root through apt-get (one `apt-get update` first, and only
# when something is missing); otherwise prints the exact command to run and fails.
set -euo pipefail

usage() { sed -n '/^#!/d; /^#/!q; /^# shellcheck/d; s/^# \{0,1\}//p' "$0"; }
# Options first: each argument is a package for apt-get, and no package name starts with '-'.
for a in "$@"; do
    case $a in
        -h|--help) usage; exit 0 ;;
        -*) echo "deps: unknown option '$a' (--help)" >&2; exit 2 ;;
    esac
done

PACKAGES=(
    nasm gcc binutils make              # build
    qemu-system-x86                     # QEMU (TCG, or KVM where the host has VT-x)
    ovmf                                # UEFI firmware for QEMU: pxhv.efi's tests
    bochs bochs-term bochsbios vgabios  # Bochs: the emulator that provides VMX + EPT here
    mtools dosfstools syslinux syslinux-common   # FAT guest images without root or loop devices
    gdb                                 # make gdb
    python3 gdisk                       # scripts/pxhv-install; GPT test disks (sgdisk)
    iproute2 procps gawk                # ss (free ports), pgrep, POSIX EREs in the test harness
    "$@"
)

missing=()
for p in "${PACKAGES[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all ${#PACKAGES[@]} packages present"
    exit 0
fi

cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
if [ "$(id -u)" != 0 ]; then
    echo "deps: missing packages: ${missing[*]}" >&2
    echo "deps: run:  sudo apt-get update && sudo ${cmd[*]}" >&2
    exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
"${cmd[@]}"
