"""A layered drawing of a directed graph: where each box goes and where each arrow runs.

Boxes are put in layers by longest path from the sources (so every arrow points forward),
ordered within a layer by the mean position of their predecessors (fewer crossings), and
centred per layer. Pure geometry: sizes in, rectangles and polylines out, no drawing.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

__all__ = ["Arrow", "Box", "Layout", "layered_layout"]

RANK_DIRECTIONS = ("TB", "BT", "LR", "RL")


@dataclass(frozen=True)
class Box:
    """A rectangle: top-left corner, width and height, in pixels."""

    x: float
    y: float
    width: float
    height: float

    @property
    def center(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2


@dataclass(frozen=True)
class Arrow:
    """An edge drawn from box `source` to box `target` along `points` (first to last)."""

    source: int
    target: int
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Layout:
    """Boxes (same order as the sizes given), the layer of each, arrows, canvas size."""

    boxes: tuple[Box, ...]
    ranks: tuple[int, ...]
    arrows: tuple[Arrow, ...]
    width: float
    height: float


def assign_ranks(count: int, edges: list[tuple[int, int]]) -> list[int]:
    """Longest-path layering: sources get 0, every node one more than its furthest predecessor.

    Nodes on a cycle (not expected in a model graph) are ranked after what precedes them, in
    index order, so the function always terminates.
    """
    successors: list[list[int]] = [[] for _ in range(count)]
    in_degree = [0] * count
    for source, target in edges:
        successors[source].append(target)
        in_degree[target] += 1
    ranks = [0] * count
    done = [False] * count
    queue = deque(i for i in range(count) if in_degree[i] == 0)
    while True:
        while queue:
            node = queue.popleft()
            done[node] = True
            for nxt in successors[node]:
                if done[nxt]:
                    continue  # an edge closing a cycle: drawn backwards
                ranks[nxt] = max(ranks[nxt], ranks[node] + 1)
                in_degree[nxt] -= 1
                if in_degree[nxt] == 0:
                    queue.append(nxt)
        pending = [i for i in range(count) if not done[i]]
        if not pending:
            return ranks
        in_degree[pending[0]] = 0  # break a cycle at its first node
        queue.append(pending[0])


def order_within_ranks(ranks: list[int], edges: list[tuple[int, int]],
                       sweeps: int = 2) -> list[list[int]]:
    """Nodes of each rank, left to right, sorted by the barycentre of their neighbours.

    Starts in index order (the model's layer order) and alternates downward sweeps (by
    predecessors) and upward sweeps (by successors).
    """
    levels: list[list[int]] = [[] for _ in range(max(ranks, default=-1) + 1)]
    for node, rank in enumerate(ranks):
        levels[rank].append(node)
    predecessors: dict[int, list[int]] = {}
    successors: dict[int, list[int]] = {}
    for source, target in edges:
        predecessors.setdefault(target, []).append(source)
        successors.setdefault(source, []).append(target)

    def relative_positions() -> dict[int, float]:
        return {node: (i + 0.5) / len(level) for level in levels for i, node in enumerate(level)}

    for sweep in range(sweeps):
        downward = sweep % 2 == 0
        neighbours = predecessors if downward else successors
        order = range(1, len(levels)) if downward else range(len(levels) - 2, -1, -1)
        for rank in order:
            position = relative_positions()

            def barycentre(node: int, position=position, neighbours=neighbours) -> float:
                linked = neighbours.get(node)
                if not linked:
                    return position[node]
                return sum(position[other] for other in linked) / len(linked)

            levels[rank].sort(key=barycentre)
    return levels


def layered_layout(sizes: list[tuple[float, float]], edges: list[tuple[int, int]],
                   rankdir: str = "TB", node_gap: float = 20.0, rank_gap: float = 40.0,
                   margin: float = 10.0) -> Layout:
    """Place boxes of the given (width, height) sizes in layers and route the arrows.

    An arrow that skips layers runs through a slot kept free in each layer it crosses, so it
    passes between boxes rather than through them.

    Args:
        sizes: The (width, height) of each box.
        edges: (source, target) box indices.
        rankdir: 'TB' (layers top to bottom), 'BT', 'LR' (left to right) or 'RL'.
        node_gap: Space between neighbouring boxes of a layer.
        rank_gap: Space between consecutive layers (where the arrows run).
        margin: Empty border around the drawing.
    """
    if rankdir not in RANK_DIRECTIONS:
        raise ValueError(f"rankdir must be one of {RANK_DIRECTIONS}. Received: rankdir={rankdir!r}")
    count = len(sizes)
    ranks = assign_ranks(count, edges)
    vertical = rankdir in ("TB", "BT")
    # Work top-to-bottom in (across, along) coordinates; map to x/y at the end.
    across = [float(w if vertical else h) for w, h in sizes]
    along = [float(h if vertical else w) for w, h in sizes]
    all_ranks, chains, ordering_edges = list(ranks), [], []
    for source, target in edges:  # a chain of zero-size waypoints per skipped layer
        chain = []
        for rank in range(ranks[source] + 1, ranks[target]):
            chain.append(len(all_ranks))
            all_ranks.append(rank)
            across.append(0.0)
            along.append(0.0)
        chains.append(chain)
        hops = [source, *chain, target]
        ordering_edges += list(zip(hops, hops[1:]))
    levels = order_within_ranks(all_ranks, ordering_edges)
    level_extent = [max((along[n] for n in level), default=0.0) for level in levels]
    level_span = [sum(across[n] for n in level) + node_gap * max(len(level) - 1, 0)
                  for level in levels]
    total_across = max(level_span, default=0.0)
    level_start, placed = [], {}  # placed: node -> (across start, along start)
    offset = margin
    for level, extent, span in zip(levels, level_extent, level_span):
        level_start.append(offset)
        cursor = margin + (total_across - span) / 2
        for node in level:
            placed[node] = (cursor, offset + (extent - along[node]) / 2)
            cursor += across[node] + node_gap
        offset += extent + rank_gap
    canvas_across = total_across + 2 * margin
    canvas_along = offset - rank_gap + margin if levels else 2 * margin

    def to_xy(a: float, b: float) -> tuple[float, float]:
        if rankdir in ("BT", "RL"):
            b = canvas_along - b
        return (a, b) if vertical else (b, a)

    boxes = []
    for node in range(count):
        (x0, y0), (x1, y1) = to_xy(*placed[node]), to_xy(placed[node][0] + across[node],
                                                         placed[node][1] + along[node])
        boxes.append(Box(min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0)))
    arrows = []
    for (source, target), chain in zip(edges, chains):
        a, b = placed[source]
        points = [(a + across[source] / 2, b + along[source])]
        for waypoint in chain:
            rank = all_ranks[waypoint]
            points += [(placed[waypoint][0], level_start[rank]),
                       (placed[waypoint][0], level_start[rank] + level_extent[rank])]
        a, b = placed[target]
        points.append((a + across[target] / 2, b))
        arrows.append(Arrow(source, target, tuple(to_xy(*p) for p in points)))
    width, height = (canvas_across, canvas_along) if vertical else (canvas_along, canvas_across)
    return Layout(tuple(boxes), tuple(ranks), tuple(arrows), width, height)
