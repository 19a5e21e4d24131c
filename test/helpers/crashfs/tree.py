"""The in-memory model behind crashfs: inodes with a live and a durable
view, read from and written back to a plain directory tree (BACKING).
See crashfs.py for the crash semantics."""
import os
import shutil
import stat
import sys
import time

ROOT_INODE = 1


class Node:
    """An inode: a file (data), a directory (entries) or a symlink (target)."""

    def __init__(self, ino, mode, uid=0, gid=0, mtime_ns=None):
        self.ino = ino
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.mtime_ns = mtime_ns if mtime_ns is not None else time.time_ns()
        self.nlink = 0
        # files: the live bytes, the durable bytes, and live ranges written since the last sync
        self.data = bytearray()
        self.synced = bytearray()
        self.dirty = []
        # directories: live and durable entries (name -> Node), and the live parent
        self.entries = {}
        self.synced_entries = {}
        self.parent = self
        self.target = b''

    @property
    def is_dir(self):
        return stat.S_ISDIR(self.mode)

    @property
    def is_file(self):
        return stat.S_ISREG(self.mode)

    def sync_data(self):
        """fsync/fdatasync: the durable bytes become the live bytes."""
        size = len(self.data)
        del self.synced[size:]
        if len(self.synced) < size:
            self.synced.extend(bytes(size - len(self.synced)))
        for start, end in self.dirty:
            end = min(end, size)
            if start < end:
                self.synced[start:end] = self.data[start:end]
        self.dirty = []

    def touch(self):
        self.mtime_ns = time.time_ns()


class Tree:
    """Every inode of the mount, by number; the root's is ROOT_INODE."""

    def __init__(self):
        self.nodes = {}
        self.next_ino = ROOT_INODE
        self.root = self.new_node(stat.S_IFDIR | 0o755)
        self.root.nlink = 1

    def new_node(self, mode, uid=0, gid=0, mtime_ns=None):
        node = Node(self.next_ino, mode, uid, gid, mtime_ns)
        self.next_ino += 1
        self.nodes[node.ino] = node
        return node

    def load(self, backing):
        """Reads BACKING into memory: all of it durable."""
        self._load(backing, self.root, {})

    def _load(self, path, dir_node, seen):
        with os.scandir(path) as it:
            for entry in it:
                st = entry.stat(follow_symlinks=False)
                name = os.fsencode(entry.name)
                node = seen.get(st.st_ino)
                if node is None:
                    node = self.new_node(st.st_mode, st.st_uid, st.st_gid, st.st_mtime_ns)
                    if stat.S_ISDIR(st.st_mode):
                        node.parent = dir_node
                        self._load(entry.path, node, seen)
                    elif stat.S_ISLNK(st.st_mode):
                        node.target = os.fsencode(os.readlink(entry.path))
                    else:
                        with open(entry.path, 'rb') as f:
                            node.data = bytearray(f.read())
                        node.synced = bytearray(node.data)
                        seen[st.st_ino] = node
                node.nlink += 1
                dir_node.entries[name] = node
                dir_node.synced_entries[name] = node

    def save(self, backing, durable):
        """Writes the durable (or, on a clean shutdown, the live) tree to BACKING, in place of what it held."""
        fresh = backing + '.next'
        shutil.rmtree(fresh, ignore_errors=True)
        os.mkdir(fresh)
        written = {}
        visited = set()

        def write(dir_node, path):
            visited.add(dir_node.ino)
            entries = dir_node.synced_entries if durable else dir_node.entries
            for name, node in entries.items():
                p = os.path.join(path, os.fsdecode(name))
                if node.is_dir:
                    if node.ino in visited:
                        # a directory renamed across directories with only the target synced: keep one
                        print(f'crashfs: directory {p} reached twice; kept the first', file=sys.stderr)
                        continue
                    os.mkdir(p)
                    write(node, p)
                    os.chmod(p, stat.S_IMODE(node.mode))
                elif stat.S_ISLNK(node.mode):
                    os.symlink(os.fsdecode(node.target), p)
                elif node.ino in written:
                    os.link(written[node.ino], p)
                else:
                    with open(p, 'wb') as f:
                        f.write(node.synced if durable else node.data)
                    os.chmod(p, stat.S_IMODE(node.mode))
                    os.utime(p, ns=(node.mtime_ns, node.mtime_ns))
                    written[node.ino] = p

        write(self.root, fresh)
        old = backing + '.old'
        os.rename(backing, old)
        os.rename(fresh, backing)
        shutil.rmtree(old)
