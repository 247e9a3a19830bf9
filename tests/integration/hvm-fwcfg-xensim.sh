#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Direct kernel boot through fw_cfg on xensim: `xensim create` of an
# HVM guest with kernel=/ramdisk=/cmdline= starts xendm with libxl's
# -kernel/-initrd/-append; the simulated vCPU runs the `fwcfg-boot`
# workload (what SeaBIOS and linuxboot.bin do with qemu-xen's fw_cfg,
# which has no DMA interface: signature, ID, the file directory and
# the ROM, then setup, initrd, kernel and command line by `rep insb`
# to the addresses fw_cfg names, then hostile string I/O and writes to
# the absent DMA ports).  Everything it loaded is checked here against
# the files, with QEMU's x86 loader rules recomputed independently
# (header patching, initrd placement).  Then a second guest is saved
# in the middle of reading the signature and restored into a fresh
# xendm with -incoming: the next data-port reads continue where they
# stopped.  Also: libxl's default config (cirrus VGA) makes xendm exit
# with one line.  Prints TAP.
. "$top_srcdir/tests/integration/toolstack-lib.sh"

ROM=/usr/share/qemu/linuxboot.bin
if [ ! -r "$ROM" ]; then
    echo "1..0 # SKIP no $ROM (qemu-system-data)"
    exit 0
fi
start_ts_host
export XENSIM_XENDM=$top_builddir/xendm

python3 - "$D" <<'PY'
import sys
d = sys.argv[1]
# a bzImage with 8 setup sectors, boot protocol 2.13, 300 KiB of body
body = bytearray((i * 131 + 17) & 0xff for i in range(9 * 512 + 300 * 1024))
body[0x1f1] = 8
body[0x202:0x206] = b"HdrS"
body[0x206:0x208] = (0x20d).to_bytes(2, "little")
body[0x210] = 0
body[0x211] = 0x01
body[0x22c:0x230] = (0x7fffffff).to_bytes(4, "little")
body[0x236:0x238] = (0x0003).to_bytes(2, "little")   # above 4G ok
open(d + "/bzImage", "wb").write(body)
open(d + "/initrd", "wb").write(bytes((i * 29) & 0xff
                                      for i in range(100000)))
PY

cat > "$D/boot.cfg" <<CFG
name = "fwboot"
type = "hvm"
vga = "none"
memory = 64
vnc = 0
kernel = "$D/bzImage"
ramdisk = "$D/initrd"
cmdline = "console=ttyS0 vga=normal rdinit=/init"
guest = "fwcfg-boot"
CFG
timeout 90 "$XENSIM" create "$D/boot.cfg" 2>"$D/create.err"
tap_ok $? "create an HVM guest with kernel=, ramdisk=, cmdline="
d=$(domid_of fwboot)
pid=$(xs_read /local/domain/$d/image/device-model-pid)
tap_ok $(tr '\0' '\n' < /proc/$pid/cmdline 2>/dev/null | grep -qx -- -kernel; echo $?) \
    "xendm was given -kernel"
timeout 60 "$XENSIM" wait fwboot 30
tap_is $? 0 "the fwcfg-boot workload finished without a failed DMA"
log=$D/toolstack/$d/guest.log
sed 's/^/# /' "$log"

# Independent expectations (QEMU's x86_load_linux rules).
python3 - "$D" "$log" "$ROM" > "$D/checks.txt" <<'PY'
import sys
d, logf, rom = sys.argv[1:4]
def fnv(b):
    h = 0xcbf29ce484222325
    for x in b:
        h = ((h ^ x) * 0x100000001b3) & 0xffffffffffffffff
    return "%016x" % h
k = bytearray(open(d + "/bzImage", "rb").read())
ird = open(d + "/initrd", "rb").read()
cmdline = "console=ttyS0 vga=normal rdinit=/init"
setup_size = (k[0x1f1] + 1) * 512
ram = 64 << 20
initrd_max = min(0x7fffffff, ram - 0x28000 - 1)
initrd_addr = (initrd_max - len(ird)) & ~4095
h = k[:setup_size]
h[0x228:0x22c] = (0x20000).to_bytes(4, "little")
h[0x1fa:0x1fc] = (0xffff).to_bytes(2, "little")
h[0x210] = 0xb0
h[0x211] |= 0x80
h[0x224:0x226] = (0x20000 - 0x10000 - 0x200).to_bytes(2, "little")
h[0x218:0x21c] = initrd_addr.to_bytes(4, "little")
h[0x21c:0x220] = len(ird).to_bytes(4, "little")
romb = open(rom, "rb").read()
log = open(logf).read().splitlines()
want = [
    ("signature", "signature QEMU"),
    ("ID: traditional interface only (qemu-xen: fw_cfg_init_io)",
     "id 0x1"),
    ("four files in the directory", "files 4"),
    ("bios-geometry first (name order), empty",
     "file bios-geometry size 0 select 0x20"),
    ("bootorder second", "file bootorder size 27 select 0x21"),
    ("etc/boot-fail-wait", "file etc/boot-fail-wait size 4 select 0x22"),
    ("the option ROM", "file genroms/linuxboot.bin size %d select 0x23"
     % len(romb)),
    ("bootorder names the ROM", "bootorder /rom@genroms/linuxboot.bin"),
    ("ROM bytes = QEMU's linuxboot.bin",
     "rom size %d fnv %s" % (len(romb), fnv(romb))),
    ("setup: patched header, 0x10000",
     "setup addr 0x10000 size %d fnv %s" % (setup_size, fnv(h))),
    ("initrd: below RAM - ACPI data, page aligned",
     "initrd addr 0x%x size %d fnv %s" % (initrd_addr, len(ird), fnv(ird))),
    ("kernel: the rest of the file at 1 MiB",
     "kernel addr 0x100000 size %d fnv %s" % (len(k) - setup_size,
                                             fnv(k[setup_size:]))),
    ("command line at 0x20000",
     "cmdline addr 0x20000 size %d fnv %s" % (len(cmdline) + 1,
                                             fnv(cmdline.encode() + b"\0"))),
    ("header fields as the kernel sees them",
     "header loader 0xb0 loadflags 0x81 heap_end 0xfe00 cmd_line_ptr "
     "0x20000 ramdisk 0x%x+%d" % (initrd_addr, len(ird))),
    ("rep insb into memory outside the guest: answered, nothing written",
     "hostile rep insb outside memory: answered"),
    ("rep insb with a 1M count: refused",
     "hostile rep insb of 1M bytes: refused"),
    ("no DMA ports: 0x514 is unclaimed",
     "no DMA: port 0x514 reads 0xffffffff"),
    ("no DMA ports: a descriptor is left alone",
     "no DMA: a descriptor written to 0x518 stays 0xa"),
    ("workload OK", "fwcfg-boot: OK"),
]
for what, line in want:
    print(("ok" if line in log else "not ok") + "\t" + what + "\t" + line)
PY
while IFS=$'\t' read -r res what line; do
    tap_ok $([ "$res" = ok ]; echo $?) "$what"
    [ "$res" = ok ] || echo "#   want: $line"
done < "$D/checks.txt"
tap_is "$(grep -c '^signature QEMU' "$log")" 2 \
    "xendm still answers after the hostile requests (signature again)"
timeout 60 "$XENSIM" destroy fwboot >/dev/null 2>&1

# ---- save in the middle of a data-port transfer, restore, continue
sed -e 's/"fwboot"/"fwsave"/' -e '/^guest/d' "$D/boot.cfg" > "$D/save.cfg"
timeout 90 "$XENSIM" create "$D/save.cfg" 2>"$D/create2.err"
tap_ok $? "create an idle HVM guest with kernel="
io() { "$XENSIM" io fwsave "$@"; }
io outw 0x510 0x0000
tap_is "$(io inb 0x511)" 0x51 "signature byte 0"
tap_is "$(io inb 0x511)" 0x45 "signature byte 1"
io outl 0x514 0x12000000
io outb 0x92 0x02
timeout 60 "$XENSIM" save fwsave "$D/fw.save" >/dev/null 2>&1
tap_ok $? "xensim save mid-transfer"
tap_ok $(grep -aq fw_cfg "$D/fw.save" && grep -aq port92 "$D/fw.save"; echo $?) \
    "the device state has the fw_cfg and port92 sections"
timeout 60 "$XENSIM" restore "$D/fw.save" >/dev/null 2>&1
tap_ok $? "xensim restore into a fresh xendm (-incoming)"
tap_is "$(io inb 0x511)" 0x4d "signature byte 2 after restore"
tap_is "$(io inb 0x511)" 0x55 "signature byte 3"
tap_is "$(io inb 0x511)" 0x00 "then the end of the item"
tap_is "$(io inb 0x92)" 0x02 "port 0x92 kept the A20 bit"
timeout 60 "$XENSIM" destroy fwsave >/dev/null 2>&1

# ---- libxl's default HVM config (cirrus VGA) is refused in one line
sed -e 's/"fwboot"/"fwvga"/' -e '/^vga/d' -e '/^guest/d' "$D/boot.cfg" > "$D/vga.cfg"
timeout 90 "$XENSIM" create "$D/vga.cfg" >/dev/null 2>&1
tap_ok $([ $? -ne 0 ]; echo $?) "a cirrus-vga guest does not start"
tap_ok $(grep -q 'cirrus-vga.*vga="none"' "$D"/qemu-dm-fwvga.log 2>/dev/null; echo $?) \
    "xendm's log says why: $(tail -1 "$D"/qemu-dm-fwvga.log 2>/dev/null)"
tap_end
