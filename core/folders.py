"""The folders of a set of files, from their names (`profiles/2024/g123.nc`): each folder's files
and bytes (its subfolders' included), its subfolders, the way down to it. Built once from
`(name, size)` pairs — one query of two columns, which a deposit of 10,000 files answers in a few
milliseconds — so that a page shows the whole folder tree with counts and sizes and lists only the
files of the folder it is on, a page at a time.

    index = FolderIndex(record.files.values_list("name", "size"))
    index.tree("profiles")      # every folder, depth first, for a collapsible tree open on "profiles"
    index.children("profiles")  # its subfolders
    index.breadcrumbs("profiles/2024")  # the top, "profiles", "profiles/2024"

A set of files that never changes (a published record's) can keep its folders' totals instead
(`index.totals()`, one entry a folder) and have its index back from them with no file read:
`FolderIndex.from_totals(totals)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Folder:
    path: str  # "" is the deposit's top
    files: int  # its files, its subfolders' included
    size: int  # their bytes
    depth: int  # 0 for the top, 1 for "profiles", 2 for "profiles/2024"

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


class FolderIndex:
    def __init__(self, rows: Iterable[tuple[str, int | None]]):
        totals: dict[str, list[int]] = {"": [0, 0]}
        children: dict[str, set[str]] = {"": set()}
        for name, size in rows:
            segments = name.split("/")[:-1]
            parent = ""
            _add(totals[""], size)
            for depth in range(len(segments)):
                path = "/".join(segments[: depth + 1])
                if path not in totals:
                    totals[path] = [0, 0]
                    children[path] = set()
                    children[parent].add(path)
                _add(totals[path], size)
                parent = path
        self._folders = {
            path: Folder(path, files, size, path.count("/") + 1 if path else 0)
            for path, (files, size) in totals.items()
        }
        self._children = {path: sorted(paths) for path, paths in children.items()}

    @classmethod
    def from_totals(cls, totals: Mapping[str, Iterable[int]]) -> FolderIndex:
        """The index whose `totals()` these are (`{path: [files, bytes]}`, the top under "")."""
        index = cls(())
        children: dict[str, set[str]] = {path: set() for path in totals}
        for path in totals:
            if path:
                children[path.rpartition("/")[0]].add(path)
        index._folders = {
            path: Folder(path, files, size, path.count("/") + 1 if path else 0)
            for path, (files, size) in totals.items()
        }
        index._children = {path: sorted(paths) for path, paths in children.items()}
        return index

    def totals(self) -> dict[str, list[int]]:
        """Each folder's files and bytes, `{path: [files, bytes]}` with the top under "" (JSON as
        it is): what `from_totals` takes."""
        return {path: [folder.files, folder.size] for path, folder in self._folders.items()}

    def __contains__(self, path: str) -> bool:
        return path in self._folders

    def __len__(self) -> int:
        """How many folders there are, the top not counted."""
        return len(self._folders) - 1

    def get(self, path: str) -> Folder | None:
        return self._folders.get(path)

    @property
    def top(self) -> Folder:
        return self._folders[""]

    def children(self, path: str = "") -> list[Folder]:
        return [self._folders[child] for child in self._children.get(path, [])]

    def breadcrumbs(self, path: str) -> list[Folder]:
        """From the top down to `path`, both included; only the top if `path` is not a folder."""
        if path not in self._folders:
            return [self.top]
        segments = path.split("/") if path else []
        return [self.top] + [self._folders["/".join(segments[: n + 1])] for n in range(len(segments))]

    def tree(self, current: str = "") -> list[dict]:
        """Every folder below the top, depth first, subfolders in name order, as a flat run of
        blocks a template renders in one loop (templates cannot recurse): `{"kind": "open",
        "folder": Folder, "leaf": bool, "expanded": bool, "current": bool}` opens a folder
        (`expanded` on the way down to `current`, which is `current`), `{"kind": "close", "leaf":
        bool}` closes it."""
        blocks: list[dict] = []
        on_the_way = {folder.path for folder in self.breadcrumbs(current)}

        def emit(path: str) -> None:
            for child in self.children(path):
                leaf = not self._children[child.path]
                blocks.append(
                    {
                        "kind": "open",
                        "folder": child,
                        "leaf": leaf,
                        "expanded": child.path in on_the_way,
                        "current": child.path == current,
                    }
                )
                emit(child.path)
                blocks.append({"kind": "close", "leaf": leaf})

        emit("")
        return blocks


def _add(total: list[int], size: int | None) -> None:
    total[0] += 1
    total[1] += size or 0
