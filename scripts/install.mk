# Installing pxHV in front of the operating system on a disk (scripts/pxhv-install,
# docs/install.md):
#   make install DISK=/dev/sdX [YES=1] [DRY_RUN=1]   or DISK=disk.img
#   make uninstall DISK=...
#   make install-efi ESP=esp.img|/boot/efi [YES=1] [DRY_RUN=1] [NEXT=\EFI\debian\shimx64.efi]
#   make uninstall-efi ESP=...     pxhv.efi on an EFI System Partition, and off again (docs/uefi.md)
#   make usb        $(BUILD)/usb.img: the Linux guest disk with pxHV installed in front
#                   of it, to write to a USB stick (boots Linux under pxHV by itself)
PXHV_INSTALL := python3 scripts/pxhv-install
INSTALL_OPTS  = $(if $(YES),--yes) $(if $(DRY_RUN),--dry-run) $(if $(BACKUP),--backup $(BACKUP))
STAGES       := $(BUILD)/stage1.bin $(BUILD)/stage2.bin $(BUILD)/stage3.bin $(GEN)/layout.sh

install: $(STAGES)
	@[ -n "$(DISK)" ] || { echo "make install: give DISK=/dev/sdX or DISK=disk.img" >&2; exit 2; }
	$(PXHV_INSTALL) "$(DISK)" --build $(BUILD) $(INSTALL_OPTS)

uninstall: $(GEN)/layout.sh
	@[ -n "$(DISK)" ] || { echo "make uninstall: give DISK=/dev/sdX or DISK=disk.img" >&2; exit 2; }
	$(PXHV_INSTALL) "$(DISK)" --uninstall --build $(BUILD) $(INSTALL_OPTS)

install-efi: $(BUILD)/pxhv.efi $(GEN)/layout.sh
	@[ -n "$(ESP)" ] || { echo "make install-efi: give ESP=esp.img or ESP=/boot/efi" >&2; exit 2; }
	$(PXHV_INSTALL) --efi "$(ESP)" --build $(BUILD) $(INSTALL_OPTS) $(if $(NEXT),--next '$(NEXT)')

uninstall-efi: $(GEN)/layout.sh
	@[ -n "$(ESP)" ] || { echo "make uninstall-efi: give ESP=esp.img or ESP=/boot/efi" >&2; exit 2; }
	$(PXHV_INSTALL) --efi "$(ESP)" --uninstall --build $(BUILD) $(INSTALL_OPTS)

usb: $(BUILD)/usb.img

$(BUILD)/usb.img: $(BUILD)/guests/linux.img $(STAGES) scripts/pxhv-install
	cp $< $@.tmp
	$(PXHV_INSTALL) $@.tmp --build $(BUILD) --backup $(BUILD)/usb.img.pxhv-backup
	mv $@.tmp $@
	@echo "usb: $@ ($$(stat -c %s $@) bytes): write it to a stick with" \
	      "dd if=$@ of=/dev/sdX bs=1M conv=fsync (everything on the stick is lost)"

.PHONY: install uninstall install-efi uninstall-efi usb
