"""Renders pydoc HTML pages for packages and their modules, plus an index page.

Usage: gendocs.py OUTDIR PACKAGE...  (the packages must be importable). Pages are what
``pydoc -w`` writes, one per module; modules are visited in sorted order so that the output
does not depend on the file system.
"""
import html
import importlib
import os
import pkgutil
import pydoc
import sys


def modules(package_name):
    pkg = importlib.import_module(package_name)
    names = [package_name]
    for info in pkgutil.walk_packages(pkg.__path__, package_name + "."):
        if info.name.rsplit(".", 1)[-1].startswith("__"):
            continue
        names.append(info.name)
    return sorted(names)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out, packages = argv[1], argv[2:]
    os.makedirs(out, exist_ok=True)
    os.chdir(out)
    written = []
    for p in packages:
        for name in modules(p):
            pydoc.writedoc(name)  # writes NAME.html into the current directory
            summary = (pydoc.splitdoc(pydoc.getdoc(importlib.import_module(name)))[0] or "").strip()
            written.append((name, summary))
    with open("index.html", "w", encoding="utf-8") as f:
        f.write("<!doctype html>\n<title>API documentation</title>\n<h1>API documentation</h1>\n<ul>\n")
        for name, summary in written:
            f.write(f'<li><a href="{name}.html">{html.escape(name)}</a> {html.escape(summary)}</li>\n')
        f.write("</ul>\n")
    print(f"gendocs: {len(written)} pages in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
