# Guest disk images built from Debian packages (guest_images/README.md).
# Included by the top-level Makefile; $(BUILD) is its build directory.
# Downloaded .debs are cached in $(BUILD)/debs, images go to $(BUILD)/guests.

GUEST_OUT  := $(BUILD)/guests
GUEST_LIB  := guest_images/lib.sh
GUEST_RUN   = BUILD=$(BUILD) bash guest_images/$(1)

$(GUEST_OUT)/syslinux.img: guest_images/mk-syslinux.sh guest_images/syslinux/syslinux.cfg $(GUEST_LIB)
	$(call GUEST_RUN,mk-syslinux.sh)

$(GUEST_OUT)/floppy.img: guest_images/mk-floppy.sh guest_images/syslinux/syslinux.cfg $(GUEST_LIB)
	$(call GUEST_RUN,mk-floppy.sh)

$(GUEST_OUT)/grub.img: guest_images/mk-grub.sh guest_images/grub/early.cfg guest_images/grub/grub.cfg $(GUEST_LIB)
	$(call GUEST_RUN,mk-grub.sh)

$(GUEST_OUT)/memtest.img: guest_images/mk-memtest.sh guest_images/memtest/syslinux.cfg $(GUEST_LIB)
	$(call GUEST_RUN,mk-memtest.sh)

$(GUEST_OUT)/linux.img: guest_images/mk-linux.sh guest_images/mkcpio.sh guest_images/linux/init \
		guest_images/linux/initramfs.list guest_images/linux/syslinux.cfg $(GUEST_LIB)
	$(call GUEST_RUN,mk-linux.sh)

guest-syslinux: $(GUEST_OUT)/syslinux.img
guest-floppy:   $(GUEST_OUT)/floppy.img
guest-grub:     $(GUEST_OUT)/grub.img
guest-memtest:  $(GUEST_OUT)/memtest.img
guest-linux:    $(GUEST_OUT)/linux.img
guests: guest-syslinux guest-floppy guest-grub guest-memtest guest-linux

# Boot every image without pxHV under Bochs (and Linux under QEMU) and check
# that it answers on COM1; slow (a few minutes), see tests/check_guest_images.sh.
guests-check: guests
	bash tests/check_guest_images.sh

.PHONY: guest-syslinux guest-floppy guest-grub guest-memtest guest-linux guests guests-check
