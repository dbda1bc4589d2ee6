#!/usr/bin/env python3
"""Writes rpmdb-1024.sqlite and rpmdb-4096.sqlite: rpm 4.16's Packages table holding crafted
rpm header blobs (bash with an epoch, a large openssl-libs whose blob spans overflow pages, a
noarch tzdata, and 30 small filler-N packages so the table B-tree has an interior page)."""
import os
import sqlite3
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def header(tags):
    index, data = b"", b""
    for tag, typ, value in tags:
        if typ == 4:
            while len(data) % 4:
                data += b"\0"
            off, count, data = len(data), 1, data + struct.pack(">I", value)
        elif typ == 8 or typ == 9:
            off, count = len(data), len(value)
            data += b"".join(v.encode() + b"\0" for v in value)
        else:
            off, count, data = len(data), 1, data + value.encode() + b"\0"
        index += struct.pack(">IIII", tag, typ, off, count)
    return struct.pack(">II", len(tags), len(data)) + index + data


def package(name, version, release, arch, license, epoch=None, pad=0):
    tags = [(1000, 6, name), (1001, 6, version), (1002, 6, release), (1022, 6, arch),
            (1014, 6, license), (1044, 6, f"{name}-{version}-{release}.src.rpm"),
            (1011, 6, "Fedora Project")]
    if epoch is not None:
        tags.append((1003, 4, epoch))
    if pad:
        tags.append((1005, 9, ["Z" * pad]))
    return header(tags)


def write(page_size):
    path = os.path.join(HERE, f"rpmdb-{page_size}.sqlite")
    if os.path.exists(path):
        os.remove(path)
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA page_size={page_size}")
    db.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)")
    blobs = [package("bash", "5.2.26", "3.fc40", "x86_64", "GPL-3.0-or-later", epoch=1),
             package("openssl-libs", "3.2.1", "2.fc40", "x86_64", "Apache-2.0", epoch=1, pad=9000),
             package("tzdata", "2024a", "5.fc40", "noarch", "Public Domain")]
    blobs += [package(f"filler-{i}", "1.0", "1", "x86_64", "MIT") for i in range(30)]
    for b in blobs:
        db.execute("INSERT INTO Packages (blob) VALUES (?)", (b,))
    db.commit()
    db.execute("VACUUM")
    db.close()


for size in (1024, 4096):
    write(size)
