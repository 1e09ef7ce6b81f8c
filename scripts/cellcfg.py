#!/usr/bin/env python3
"""cellcfg.py: the cells of a pxHV disk image (struct pxhv_cells, in the
configuration sector after struct pxhv_config; include/boot/pxhv_config.h).
Called by scripts/pxhv-config.sh, which documents the options:

usage: cellcfg.py CONSTS IMG CONFIG_LBA [--show] [--cell-remove NAME]...
                  [--cell NAME [--cpus N | --cpu-ids A,B] [--mem MIB] [--image FILE]
                               [--format flat|multiboot] [--policy stop|restart]
                               [--ports FIRST-LAST|FIRST+COUNT[,...]] [--cmdline TEXT]]...

A new cell needs --image; a cell named again keeps what is not given.  Images
go to pxHV's own sectors, DISK_CELL_IMAGES_LBA up to DISK_BUILTIN_LBA, packed
in cell order each time the table is written.
"""
import os
import struct
import sys

PROG = "pxhv-config.sh"


class Refusal(Exception):
    pass


def load_consts(path):
    consts = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                consts[k] = v.strip("'\"")
    return {k: int(v, 0) if v.lstrip("-").isdigit() or v.startswith("0x") else v
            for k, v in consts.items()}


def num(s, what):
    try:
        return int(s, 0)
    except ValueError:
        raise Refusal(f"{what}: '{s}' is not a number")


class Cells:
    def __init__(self, C, img, config_lba):
        self.C, self.img, self.lba = C, img, config_lba
        self.ss = C["SECTOR_SIZE"]
        with open(img, "rb") as f:
            f.seek(config_lba * self.ss)
            self.sector = bytearray(f.read(self.ss))
        if len(self.sector) != self.ss:
            raise Refusal(f"{img}: too short for a config block")
        off = C["CFG_CELLS_OFFSET"]
        count = struct.unpack_from("<I", self.sector, off + C["CELLS_COUNT"])[0]
        if count > C["CELLS_MAX"]:
            raise Refusal(f"{img}: the cell table says {count} cells, more than {C['CELLS_MAX']}")
        self.cells = [self.unpack(i) for i in range(count)]

    def at(self, i):
        return self.C["CFG_CELLS_OFFSET"] + self.C["CELLS_CELL"] + i * self.C["CELL_SIZE"]

    def unpack(self, i):
        C, s, o = self.C, self.sector, self.at(i)
        u8 = lambda f: s[o + C[f]]
        u32 = lambda f: struct.unpack_from("<I", s, o + C[f])[0]
        ports = []
        for r in range(C["CELL_PORT_RANGES"]):
            first, n = struct.unpack_from("<HH", s, o + C["CELL_PORTS"] + 4 * r)
            if n:
                ports.append((first, n))
        ids = [b for b in s[o + C["CELL_CPU_IDS"]:o + C["CELL_CPU_IDS"] + C["CELL_CPUS_MAX"]]
               if b != 0xFF]
        lba, sectors, nbytes = u32("CELL_IMAGE_LBA"), u32("CELL_IMAGE_SECTORS"), u32("CELL_IMAGE_BYTES")
        with open(self.img, "rb") as f:
            f.seek(lba * self.ss)
            image = f.read(nbytes)
        return {
            "name": bytes(s[o:o + C["CELL_NAME_LEN"]]).rstrip(b"\0").decode("ascii", "replace"),
            "format": u8("CELL_FORMAT"), "policy": u8("CELL_POLICY"), "cpus": u8("CELL_CPUS"),
            "cpu_ids": ids, "mem": u32("CELL_MEM_MIB"), "ports": ports, "image": image,
            "cmdline": bytes(s[o + C["CELL_CMDLINE"]:o + C["CELL_CMDLINE"] + C["CELL_CMDLINE_LEN"]])
            .rstrip(b"\0").decode("ascii", "replace"),
        }

    def write(self):
        C, s = self.C, self.sector
        off = C["CFG_CELLS_OFFSET"]
        s[off:off + C["CELLS_SIZE"]] = bytes(C["CELLS_SIZE"])
        struct.pack_into("<I", s, off + C["CELLS_COUNT"], len(self.cells))
        lba, end = C["DISK_CELL_IMAGES_LBA"], C["DISK_BUILTIN_LBA"]
        size = os.path.getsize(self.img)
        with open(self.img, "r+b") as f:
            for i, c in enumerate(self.cells):
                o = self.at(i)
                sectors = (len(c["image"]) + self.ss - 1) // self.ss
                if lba + sectors > end:
                    raise Refusal(f"cell {c['name']}: the cells' images need more than the "
                                  f"{end - C['DISK_CELL_IMAGES_LBA']} sectors pxHV keeps for them "
                                  f"(LBA {C['DISK_CELL_IMAGES_LBA']}-{end - 1})")
                if (lba + sectors) * self.ss > size:
                    raise Refusal(f"{self.img}: too small for cell {c['name']}'s image")
                name = c["name"].encode()
                s[o:o + len(name)] = name
                s[o + C["CELL_FORMAT"]] = c["format"]
                s[o + C["CELL_POLICY"]] = c["policy"]
                s[o + C["CELL_CPUS"]] = c["cpus"]
                ids = c["cpu_ids"] + [0xFF] * (C["CELL_CPUS_MAX"] - len(c["cpu_ids"]))
                s[o + C["CELL_CPU_IDS"]:o + C["CELL_CPU_IDS"] + C["CELL_CPUS_MAX"]] = bytes(ids)
                struct.pack_into("<IIII", s, o + C["CELL_MEM_MIB"], c["mem"], lba, sectors,
                                 len(c["image"]))
                for r, (first, n) in enumerate(c["ports"]):
                    struct.pack_into("<HH", s, o + C["CELL_PORTS"] + 4 * r, first, n)
                cmd = c["cmdline"].encode()
                s[o + C["CELL_CMDLINE"]:o + C["CELL_CMDLINE"] + len(cmd)] = cmd
                f.seek(lba * self.ss)
                f.write(c["image"] + bytes(sectors * self.ss - len(c["image"])))
                lba += sectors
            f.seek(self.lba * self.ss)
            f.write(s)

    def show(self):
        if not self.cells:
            print("cells           none")
            return
        fmts = {1: "flat", 2: "multiboot"}
        for c in self.cells:
            cpus = ("APIC " + ",".join(map(str, c["cpu_ids"]))) if c["cpu_ids"] else f"{c['cpus']}"
            ports = ",".join(f"0x{a:x}-0x{a + n - 1:x}" for a, n in c["ports"]) or "none"
            print(f"cell {c['name']:<10} cpus {cpus}, mem {c['mem']} MiB, "
                  f"{fmts.get(c['format'], '?')} image {len(c['image'])} bytes, "
                  f"policy {'restart' if c['policy'] else 'stop'}, ports {ports}"
                  + (f", cmdline '{c['cmdline']}'" if c["cmdline"] else ""))


def parse_ports(text, C):
    out = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            a, b = (num(x, "--ports") for x in part.split("-", 1))
            n = b - a + 1
        elif "+" in part:
            a, n = (num(x, "--ports") for x in part.split("+", 1))
        else:
            a, n = num(part, "--ports"), 1
        if n < 1 or a < 0 or a + n > 0x10000:
            raise Refusal(f"--ports: '{part}' is not a range of ports 0x0-0xffff")
        out.append((a, n))
    if len(out) > C["CELL_PORT_RANGES"]:
        raise Refusal(f"--ports: at most {C['CELL_PORT_RANGES']} ranges")
    return out


def main(argv):
    # Before CONSTS is read: --help needs no build.
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__.strip())
        return
    if len(argv) < 3:
        raise Refusal("usage: cellcfg.py CONSTS IMG CONFIG_LBA [options] (--help)")
    C = load_consts(argv[0])
    t = Cells(C, argv[1], int(argv[2]))
    args, show, changed = argv[3:], False, False
    cur = None
    i = 0

    def value(opt):
        nonlocal i
        if i + 1 >= len(args):
            raise Refusal(f"{opt} needs a value")
        i += 1
        return args[i]

    def need_cell(opt):
        if cur is None:
            raise Refusal(f"{opt}: name the cell first (--cell NAME)")
        return cur

    while i < len(args):
        a = args[i]
        if a == "--show":
            show = True
        elif a == "--cell-remove":
            name = value(a)
            if not any(c["name"] == name for c in t.cells):
                raise Refusal(f"--cell-remove: no cell named '{name}'")
            t.cells = [c for c in t.cells if c["name"] != name]
            changed = True
        elif a == "--cell":
            name = value(a)
            if not (1 <= len(name) <= C["CELL_NAME_LEN"]) or \
                    any(ch not in "abcdefghijklmnopqrstuvwxyz0123456789_-" for ch in name):
                raise Refusal(f"--cell: '{name}': a name is 1 to {C['CELL_NAME_LEN']} of a-z, 0-9, _ and -")
            cur = next((c for c in t.cells if c["name"] == name), None)
            if cur is None:
                if len(t.cells) >= C["CELLS_MAX"]:
                    raise Refusal(f"--cell {name}: at most {C['CELLS_MAX']} cells")
                cur = {"name": name, "format": C["CELL_FMT_FLAT"], "policy": C["CELL_POLICY_STOP"],
                       "cpus": 1, "cpu_ids": [], "mem": 16, "ports": [], "image": None,
                       "cmdline": ""}
                t.cells.append(cur)
            changed = True
        elif a == "--cpus":
            n = num(value(a), a)
            if not 1 <= n <= C["CELL_CPUS_MAX"]:
                raise Refusal(f"--cpus: {n}: a cell has 1 to {C['CELL_CPUS_MAX']} CPUs")
            need_cell(a).update(cpus=n, cpu_ids=[])
        elif a == "--cpu-ids":
            ids = [num(x, a) for x in value(a).split(",")]
            if not 1 <= len(ids) <= C["CELL_CPUS_MAX"] or any(not 0 <= x < 0xFF for x in ids):
                raise Refusal(f"--cpu-ids: 1 to {C['CELL_CPUS_MAX']} APIC IDs below 255")
            need_cell(a).update(cpus=len(ids), cpu_ids=ids)
        elif a == "--mem":
            m = num(value(a), a)
            if m < C["CELL_MEM_MIN_MIB"] or m % 2 or m > 3072:
                raise Refusal(f"--mem: {m} MiB: an even number from {C['CELL_MEM_MIN_MIB']} to 3072")
            need_cell(a)["mem"] = m
        elif a == "--image":
            path = value(a)
            if not os.path.isfile(path) or os.path.getsize(path) == 0:
                raise Refusal(f"--image: {path}: no such file, or empty")
            with open(path, "rb") as f:
                need_cell(a)["image"] = f.read()
        elif a == "--format":
            f = value(a)
            if f not in ("flat", "multiboot"):
                raise Refusal(f"--format: '{f}' is not flat or multiboot")
            need_cell(a)["format"] = C["CELL_FMT_FLAT"] if f == "flat" else C["CELL_FMT_MULTIBOOT"]
        elif a == "--policy":
            p = value(a)
            if p not in ("stop", "restart"):
                raise Refusal(f"--policy: '{p}' is not stop or restart")
            need_cell(a)["policy"] = C["CELL_POLICY_RESTART"] if p == "restart" else C["CELL_POLICY_STOP"]
        elif a == "--ports":
            need_cell(a)["ports"] = parse_ports(value(a), C)
        elif a == "--cmdline":
            text = value(a)
            if len(text) >= C["CELL_CMDLINE_LEN"] or any(not " " <= ch <= "~" for ch in text):
                raise Refusal(f"--cmdline: printable ASCII, at most {C['CELL_CMDLINE_LEN'] - 1} characters")
            need_cell(a)["cmdline"] = text
        else:
            raise Refusal(f"unknown option '{a}' (try --help)")
        i += 1

    for c in t.cells:
        if c["image"] is None:
            raise Refusal(f"cell {c['name']}: no image (--image FILE)")
        if c["format"] == C["CELL_FMT_FLAT"] and len(c["image"]) > 0x10000:
            raise Refusal(f"cell {c['name']}: a flat image is at most 64 KiB "
                          f"({len(c['image'])} bytes)")
    if changed:
        t.write()
    if show or not changed:
        t.show()


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Refusal as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        sys.exit(1)
    except OSError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        sys.exit(1)
