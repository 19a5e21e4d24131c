#!/bin/busybox sh
# /init of swiftly's test guest (a busybox initramfs on a Debian kernel).
# Loads the virtio/cdrom modules listed in /etc/modules (dependencies first),
# takes an address with udhcpc, reads the config drive (label config-2) or
# else the metadata service at 169.254.169.254, and reports on the serial
# console, one "SWIFTLY-GUEST key=value" line each, then idles (the kernel
# answers ping) watching for a hot-plugged volume (vdb), which it writes or
# reads (see below). The test greps these lines from the console log.
/bin/busybox mkdir -p /proc /sys /dev /mnt /tmp /bin /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { echo "SWIFTLY-GUEST $*" >/dev/ttyS0; }
say "boot kernel=$(uname -r)"
while read -r m; do insmod "/lib/modules/$m" 2>/dev/null || say "insmod-failed=$m"; done </etc/modules
ip link set lo up
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -e /sys/class/net/eth0 ] && break; sleep 0.2; done
[ -e /sys/block/vda ] && say "disk=vda sectors=$(cat /sys/block/vda/size)"
say "mac=$(cat /sys/class/net/eth0/address 2>/dev/null)"
udhcpc -i eth0 -n -q -f -t 20 -T 1 -s /etc/udhcpc.script >/dev/null 2>&1 || say "dhcp=failed"
say "address=$(ip -4 -o addr show dev eth0 | awk '{print $4}' | head -n 1)"

meta=
for _ in 1 2 3 4 5 6 7 8 9 10; do
  dev=$(findfs LABEL=config-2 2>/dev/null)
  [ -n "$dev" ] && break
  sleep 0.3
done
if [ -n "$dev" ] && mount -t iso9660 -o ro "$dev" /mnt 2>/dev/null; then
  say "source=config-drive device=$dev"
  meta=$(cat /mnt/openstack/latest/meta_data.json)
  if [ -f /mnt/openstack/latest/user_data ]; then ud=$(base64 </mnt/openstack/latest/user_data | tr -d '\n'); else ud=; fi
  say "network-data=$(tr -d '\n ' </mnt/openstack/latest/network_data.json)"
else
  say "source=metadata-service"
  # timeout(1), not wget -T: Debian's static busybox 1.35 wget crashes (SIGSEGV) with -T.
  for _ in 1 2 3 4 5; do
    meta=$(timeout 5 wget -q -O - http://169.254.169.254/openstack/latest/meta_data.json 2>/dev/null) && break
    sleep 1
  done
  ud=$(timeout 5 wget -q -O - http://169.254.169.254/openstack/latest/user_data 2>/dev/null | base64 | tr -d '\n')
fi
say "instance-id=$(echo "$meta" | sed -n 's/.*"uuid": *"\([^"]*\)".*/\1/p')"
say "hostname=$(echo "$meta" | sed -n 's/.*"hostname": *"\([^"]*\)".*/\1/p')"
say "user-data=$ud"
say "ready"
# Volumes (virtio-blk hot-plug): a disk that appears as vdb is written when the user data says
# "volume-write <text>" (a fresh ext2 holding hello.txt), else read; unmounted at once, so a detach
# finds it released. A second disk hot-plugged as vdc is the signal to write again: with a user data
# line "volume-rewrite <text>", hello.txt on vdb then holds that text.
had=
hadc=
while true; do
  if [ -e /sys/block/vdc ]; then
    if [ -z "$hadc" ]; then
      hadc=1
      again=$(echo "$ud" | base64 -d 2>/dev/null | sed -n 's/^volume-rewrite //p')
      if [ -n "$again" ] && [ -e /sys/block/vdb ]; then
        if mount /dev/vdb /vol && echo "$again" >/vol/hello.txt && sync && umount /vol; then
          say "volume-rewrote=$again"
        else
          say "volume-rewrote=failed"
        fi
      fi
    fi
  else
    hadc=
  fi
  if [ -e /sys/block/vdb ]; then
    if [ -z "$had" ]; then
      had=1
      say "volume-attached=vdb serial=$(cat /sys/block/vdb/serial 2>/dev/null) sectors=$(cat /sys/block/vdb/size)"
      mkdir -p /vol
      text=$(echo "$ud" | base64 -d 2>/dev/null | sed -n 's/^volume-write //p')
      if [ -n "$text" ]; then
        if mke2fs -F /dev/vdb >/dev/null 2>&1 && mount /dev/vdb /vol && echo "$text" >/vol/hello.txt && sync && umount /vol; then
          say "volume-wrote=$text"
        else
          say "volume-wrote=failed"
        fi
      elif mount -o ro /dev/vdb /vol; then
        say "volume-read=$(cat /vol/hello.txt)"
        umount /vol
      else
        say "volume-read=failed"
      fi
    fi
  elif [ -n "$had" ]; then
    had=
    say "volume-detached=vdb"
  fi
  sleep 1
done
