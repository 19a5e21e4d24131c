#!/usr/bin/python3
"""crashfs: a FUSE file system that forgets, on a simulated power loss,
everything that was not made durable.

    /usr/bin/python3 crashfs.py BACKING MOUNTPOINT

BACKING is a plain directory tree holding only durable state. At start
it is read into memory and shown at MOUNTPOINT; while mounted, every
change is kept in memory, with two views of each inode:

  * the live view: what processes see (and what is lost on a crash);
  * the durable view: what survives a crash. It follows the crash
    semantics of POSIX, no more lenient than ext4:
      - a file's data and size become durable only at fsync/fdatasync
        of that file;
      - a directory entry change (create, mkdir, unlink, rmdir, link,
        rename, symlink) becomes durable only at fsync of its directory:
        a rename across directories is an unlink in one and a link in
        the other, each durable with its own directory's fsync.

Signals:
  SIGUSR1  power loss: the live view is thrown away; the durable view,
           as reached from the root through durable entries only, is
           written to BACKING; then unmount and exit 0.
  SIGTERM  clean shutdown (as if everything were synced first): the live
           view is written to BACKING; unmount and exit 0. The same when
           the parent process goes away, so a killed test leaves no mount.

"ready" is printed on stdout once the file system is mounted.

The inodes and their two views live in tree.py; this file answers FUSE.

Not modelled (nothing here relies on them): permission, owner and time
changes are written as they are live; xattrs, special files and POSIX
locks (the kernel keeps those for a mount that does not implement them).
"""
import errno
import os
import signal
import stat
import sys

import pyfuse3
import trio

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from tree import ROOT_INODE, Tree  # noqa: E402 (after the line above)

TIMEOUT = 10  # seconds the kernel may cache entries and attributes: every change goes through it


class CrashFs(pyfuse3.Operations):
    def __init__(self, tree):
        super().__init__()
        self.tree = tree
        self.handles = {}
        self.next_fh = 1
        self.power_loss = False

    # --- helpers ---------------------------------------------------------------

    def node(self, ino):
        try:
            return self.tree.nodes[ino]
        except KeyError:
            raise pyfuse3.FUSEError(errno.ENOENT)

    def dir(self, ino):
        node = self.node(ino)
        if not node.is_dir:
            raise pyfuse3.FUSEError(errno.ENOTDIR)
        return node

    def child(self, dir_node, name):
        try:
            return dir_node.entries[name]
        except KeyError:
            raise pyfuse3.FUSEError(errno.ENOENT)

    def attr(self, node):
        a = pyfuse3.EntryAttributes()
        a.st_ino = node.ino
        a.generation = 0
        a.entry_timeout = TIMEOUT
        a.attr_timeout = TIMEOUT
        a.st_mode = node.mode
        if node.is_dir:
            a.st_nlink = 2 + sum(1 for c in node.entries.values() if c.is_dir)
            a.st_size = 4096
        else:
            a.st_nlink = node.nlink
            a.st_size = len(node.data) if node.is_file else len(node.target)
        a.st_uid = node.uid
        a.st_gid = node.gid
        a.st_rdev = 0
        a.st_blksize = 4096
        a.st_blocks = (a.st_size + 511) // 512
        a.st_atime_ns = a.st_mtime_ns = a.st_ctime_ns = node.mtime_ns
        return a

    def add_entry(self, dir_node, name, node):
        if name in dir_node.entries:
            raise pyfuse3.FUSEError(errno.EEXIST)
        dir_node.entries[name] = node
        node.nlink += 1
        if node.is_dir:
            node.parent = dir_node
        dir_node.touch()

    def make(self, parent_ino, name, mode, ctx):
        parent = self.dir(parent_ino)
        node = self.tree.new_node(mode, ctx.uid, ctx.gid)
        self.add_entry(parent, name, node)
        return node

    def open_handle(self, node):
        fh = self.next_fh
        self.next_fh += 1
        self.handles[fh] = node
        return fh

    # --- names ---------------------------------------------------------------

    async def lookup(self, parent_ino, name, ctx=None):
        parent = self.dir(parent_ino)
        if name == b'.':
            return self.attr(parent)
        if name == b'..':
            return self.attr(parent.parent)
        return self.attr(self.child(parent, name))

    async def getattr(self, ino, ctx=None):
        return self.attr(self.node(ino))

    async def setattr(self, ino, attr, fields, fh, ctx):
        node = self.node(ino)
        if fields.update_size:
            if not node.is_file:
                raise pyfuse3.FUSEError(errno.EINVAL)
            old = len(node.data)
            new = attr.st_size
            if new < old:
                del node.data[new:]
            else:
                node.data.extend(bytes(new - old))
            node.dirty.append((min(old, new), max(old, new)))
            node.touch()
        if fields.update_mode:
            node.mode = stat.S_IFMT(node.mode) | stat.S_IMODE(attr.st_mode)
        if fields.update_uid:
            node.uid = attr.st_uid
        if fields.update_gid:
            node.gid = attr.st_gid
        if fields.update_mtime:
            node.mtime_ns = attr.st_mtime_ns
        return self.attr(node)

    async def readlink(self, ino, ctx):
        return self.node(ino).target

    async def mknod(self, parent_ino, name, mode, rdev, ctx):
        if not stat.S_ISREG(mode):
            raise pyfuse3.FUSEError(errno.EPERM)
        return self.attr(self.make(parent_ino, name, mode, ctx))

    async def mkdir(self, parent_ino, name, mode, ctx):
        return self.attr(self.make(parent_ino, name, stat.S_IFDIR | stat.S_IMODE(mode), ctx))

    async def symlink(self, parent_ino, name, target, ctx):
        node = self.make(parent_ino, name, stat.S_IFLNK | 0o777, ctx)
        node.target = target
        return self.attr(node)

    async def link(self, ino, new_parent_ino, new_name, ctx):
        node = self.node(ino)
        if node.is_dir:
            raise pyfuse3.FUSEError(errno.EPERM)
        self.add_entry(self.dir(new_parent_ino), new_name, node)
        return self.attr(node)

    async def unlink(self, parent_ino, name, ctx):
        parent = self.dir(parent_ino)
        node = self.child(parent, name)
        if node.is_dir:
            raise pyfuse3.FUSEError(errno.EISDIR)
        del parent.entries[name]
        node.nlink -= 1
        parent.touch()

    async def rmdir(self, parent_ino, name, ctx):
        parent = self.dir(parent_ino)
        node = self.child(parent, name)
        if not node.is_dir:
            raise pyfuse3.FUSEError(errno.ENOTDIR)
        if node.entries:
            raise pyfuse3.FUSEError(errno.ENOTEMPTY)
        del parent.entries[name]
        node.nlink -= 1
        parent.touch()

    async def rename(self, old_parent_ino, old_name, new_parent_ino, new_name, flags, ctx):
        old_parent = self.dir(old_parent_ino)
        new_parent = self.dir(new_parent_ino)
        node = self.child(old_parent, old_name)
        target = new_parent.entries.get(new_name)
        if flags & pyfuse3.RENAME_EXCHANGE:
            if target is None:
                raise pyfuse3.FUSEError(errno.ENOENT)
            old_parent.entries[old_name], new_parent.entries[new_name] = target, node
            for n, p in ((node, new_parent), (target, old_parent)):
                if n.is_dir:
                    n.parent = p
            old_parent.touch()
            new_parent.touch()
            return
        if target is node:
            return
        if target is not None:
            if flags & pyfuse3.RENAME_NOREPLACE:
                raise pyfuse3.FUSEError(errno.EEXIST)
            if target.is_dir and not node.is_dir:
                raise pyfuse3.FUSEError(errno.EISDIR)
            if node.is_dir and not target.is_dir:
                raise pyfuse3.FUSEError(errno.ENOTDIR)
            if target.is_dir and target.entries:
                raise pyfuse3.FUSEError(errno.ENOTEMPTY)
            target.nlink -= 1
        del old_parent.entries[old_name]
        new_parent.entries[new_name] = node
        if node.is_dir:
            node.parent = new_parent
        old_parent.touch()
        new_parent.touch()

    # --- files -----------------------------------------------------------------

    async def open(self, ino, flags, ctx):
        node = self.node(ino)
        if node.is_dir:
            raise pyfuse3.FUSEError(errno.EISDIR)
        # no direct_io: SQLite maps its -shm file shared
        return pyfuse3.FileInfo(fh=self.open_handle(node))

    async def create(self, parent_ino, name, mode, flags, ctx):
        node = self.make(parent_ino, name, stat.S_IFREG | stat.S_IMODE(mode), ctx)
        return pyfuse3.FileInfo(fh=self.open_handle(node)), self.attr(node)

    async def read(self, fh, off, size):
        return bytes(self.handles[fh].data[off:off + size])

    async def write(self, fh, off, buf):
        node = self.handles[fh]
        end = off + len(buf)
        if off > len(node.data):
            node.data.extend(bytes(off - len(node.data)))
        node.data[off:end] = buf
        node.dirty.append((off, end))
        node.touch()
        return len(buf)

    async def fsync(self, fh, datasync):
        self.handles[fh].sync_data()

    async def flush(self, fh):
        pass

    async def release(self, fh):
        del self.handles[fh]

    # --- directories -------------------------------------------------------------

    async def opendir(self, ino, ctx):
        return self.open_handle(self.dir(ino))

    async def readdir(self, fh, start_id, token):
        node = self.handles[fh]
        # next_id is the position in the sorted names: stable while entries come and go
        names = sorted(node.entries)
        for i, name in enumerate(names[start_id:], start_id):
            if not pyfuse3.readdir_reply(token, name, self.attr(node.entries[name]), i + 1):
                break

    async def fsyncdir(self, fh, datasync):
        node = self.handles[fh]
        node.synced_entries = dict(node.entries)

    async def releasedir(self, fh):
        del self.handles[fh]

    async def access(self, ino, mode, ctx):
        return True

    async def statfs(self, ctx):
        s = pyfuse3.StatvfsData()
        s.f_bsize = s.f_frsize = 4096
        s.f_blocks = s.f_bfree = s.f_bavail = 1 << 24
        s.f_files = s.f_ffree = s.f_favail = 1 << 20
        s.f_namemax = 255
        return s

    async def forget(self, inode_list):
        pass  # inodes live until unmount: a test's file system is small


async def serve(fs):
    parent = os.getppid()
    with trio.open_signal_receiver(signal.SIGUSR1, signal.SIGTERM, signal.SIGINT) as signals:
        async def until_asked():
            while True:
                with trio.move_on_after(1):
                    async for signum in signals:
                        fs.power_loss = signum == signal.SIGUSR1
                        return
                if os.getppid() != parent:
                    return  # the test died: shut down cleanly rather than leave a mount behind

        async with trio.open_nursery() as nursery:
            nursery.start_soon(pyfuse3.main)
            await until_asked()
            pyfuse3.terminate()


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    backing, mountpoint = (os.path.abspath(p) for p in sys.argv[1:])
    os.makedirs(backing, exist_ok=True)
    assert ROOT_INODE == pyfuse3.ROOT_INODE
    tree = Tree()
    tree.load(backing)
    fs = CrashFs(tree)
    options = set(pyfuse3.default_options)
    options.add('fsname=crashfs')
    pyfuse3.init(fs, mountpoint, options)
    print('ready', flush=True)
    try:
        trio.run(serve, fs)
    finally:
        pyfuse3.close(unmount=True)
    tree.save(backing, durable=fs.power_loss)


if __name__ == '__main__':
    main()
