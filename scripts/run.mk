# Running and debugging (included by the top-level Makefile).  scripts/run.sh does the work.
#   make run [GUEST=img] [MEM=256] [CPUS=2]   installs what is missing, builds, boots GUEST (default: the
#                    Linux guest disk) under pxHV: KVM when usable with VT-x or AMD-V, else QEMU
#                    TCG with AMD-V (Bochs when CPU= names a Bochs model); COM1 on this terminal
#   make run-bochs / run-qemu / run-kvm   force an engine (CPU=model, BIOS=legacy for Bochs)
#   make run-efi    the UEFI path: OVMF boots build/esp.img, pxhv.efi -> GRUB -> Linux (CPUS=, EFI_MEM=)
#   make gdb        QEMU + gdb stopped at stage3_main;  make gdb-real: stopped at 0000:7C00
#   make deps       install the Debian packages the build and the tests need
#   make check-help every script answers --help without a build (scripts/check-help.sh)

GUEST ?=
MEM   ?= 256
CPUS  ?= 2
CPU   ?=
BIOS  ?=
RUN_ENV = IMG="$(BUILD)/pxhv.img" GUEST="$(GUEST)" MEM="$(MEM)" CPUS="$(CPUS)" CPU="$(CPU)" BIOS="$(BIOS)"

DEFAULT_GUEST := $(BUILD)/guests/linux.img
RUN_GUEST = $(if $(GUEST),$(GUEST),$(DEFAULT_GUEST))

# The packages come first: nothing can be built without them.
run run-bochs run-qemu run-kvm: run-prepare
run-prepare:
	@scripts/deps.sh
	@echo "run: building pxHV"
	@$(MAKE) --no-print-directory all
	@if [ -z "$(GUEST)" ]; then echo "run: building the default guest ($(DEFAULT_GUEST))"; \
	    $(MAKE) --no-print-directory guest-linux; fi

run:
	@$(RUN_ENV) GUEST="$(RUN_GUEST)" scripts/run.sh auto

run-efi:
	@scripts/deps.sh
	@echo "run: building pxhv.efi and the ESP"
	@$(MAKE) --no-print-directory esp
	@CPUS="$(CPUS)" scripts/run.sh efi

run-bochs run-qemu run-kvm: run-%:
	@$(RUN_ENV) GUEST="$(RUN_GUEST)" scripts/run.sh $*

gdb: $(BUILD)/pxhv.img $(BUILD)/stage3.elf
	@IMG="$(BUILD)/pxhv.img" ELF="$(BUILD)/stage3.elf" MEM="$(MEM)" scripts/gdb.sh

gdb-real: $(BUILD)/pxhv.img
	@IMG="$(BUILD)/pxhv.img" MEM="$(MEM)" scripts/gdb.sh --real

deps:
	@scripts/deps.sh

# Scripts are found by scripts/check-help.sh itself, so a new one is covered unlisted.
check-help:
	@scripts/check-help.sh

help:
	@echo "pxHV make targets:"
	@echo "  all (default)     build $(BUILD)/pxhv.img"
	@echo "  clean             remove $(BUILD)/"
	@echo "  efi               $(BUILD)/pxhv.efi: the UEFI application (puts every CPU under pxHV"
	@echo "                    in place, then starts the next loader as the guest; docs/uefi.md)"
	@echo "  esp               $(BUILD)/esp.img: FAT32 ESP with pxhv.efi as \\EFI\\BOOT\\BOOTX64.EFI,"
	@echo "                    GRUB EFI as grubx64.efi and the Linux guest's kernel and initramfs"
	@echo "  efi-tests         $(BUILD)/tests/hostile.efi and stamp.efi: the UEFI test applications"
	@echo "  run               install missing packages, build, boot the Linux guest under pxHV"
	@echo "                    with COM1 on this terminal: KVM if /dev/kvm and VT-x or AMD-V are"
	@echo "                    usable, else QEMU TCG with AMD-V.  GUEST=image boots that image"
	@echo "  run-bochs         Bochs (emulates VT-x, CPU=ryzen AMD-V; CPU=model MEM=MB BIOS=...)"
	@echo "  run-qemu          QEMU TCG with AMD-V emulated (-cpu qemu64,+svm,+npt)"
	@echo "  run-kvm           QEMU with KVM, -cpu host (needs VT-x or AMD-V on the host)"
	@echo "  run-efi           the UEFI path: OVMF on QEMU q35 boots $(BUILD)/esp.img: pxhv.efi,"
	@echo "                    then GRUB EFI and the Linux guest (KVM when usable, else TCG AMD-V)"
	@echo "  gdb               QEMU + gdb, stopped at stage3_main with stage 3's symbols"
	@echo "  gdb-real          QEMU + gdb, stopped at 0000:7C00 with 16-bit disassembly"
	@echo "  test              unit tests, image checks, emulator tests; T=text filters by name"
	@echo "  test-unit         host C tests (tests/unit)"
	@echo "  test-emu          emulator tests (tests/test_*.sh)"
	@echo "  test-boot         emulator tests with 'boot' in their name"
	@echo "  bench             benchmarks: image size, hidden memory, exit costs, Linux with/without"
	@echo "                    pxHV (docs/performance.md; BENCH_LINUX=0 skips the Linux boots),"
	@echo "                    then the UEFI path (BENCH_EFI=0 skips it; bench-efi runs it alone)"
	@echo "  install           DISK=/dev/sdX|disk.img [YES=1] [DRY_RUN=1]: pxHV in front of the OS"
	@echo "                    already on the disk, original boot code kept (docs/install.md)"
	@echo "  uninstall         DISK=...: the disk exactly as before the install"
	@echo "  install-efi       ESP=esp.img|/boot/efi [YES=1] [DRY_RUN=1] [NEXT=path]: pxhv.efi on an"
	@echo "                    EFI System Partition, before the loader it had (docs/uefi.md)"
	@echo "  uninstall-efi     ESP=...: the ESP's files as before"
	@echo "  usb               $(BUILD)/usb.img: the Linux disk with pxHV installed, for a USB stick"
	@echo "  cells             the cell test programs in $(BUILD)/cells/ (docs/cells.md)"
	@echo "  deps              install missing Debian packages (root), else print the command"
	@echo "  check-help        every script answers --help with its usage, without a build"
	@echo "  help              this list"

.PHONY: run run-prepare run-bochs run-qemu run-kvm run-efi gdb gdb-real deps check-help help
